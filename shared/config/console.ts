/**
 * The admin console as the service serves it (local mode's gateway and CloudFront alike): which paths
 * are the API's (never the console's fallback page), and the security headers of every console answer.
 */

/** Paths under these prefixes belong to the API and its pages: an unknown one is the API's 404, never the console. */
export const API_PATH_PREFIXES = ['/v1', '/invitations', '/apple', '/_local', '/_sim'] as const;

/** True when `pathname` is the console's (a file of its build, or a page its router draws). */
export const isConsolePath = (pathname: string): boolean =>
  !API_PATH_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

/**
 * The console's Content-Security-Policy: scripts and styles from the service's own origin only (no
 * inline script, no eval), API calls to the same origin plus the sign-in issuer's endpoints when an
 * external OpenID provider is used, nothing framed, forms only to the origin.
 */
export const consoleContentSecurityPolicy = (
  options: {
    /** Origins the console calls besides its own (an external issuer's token endpoint). */
    readonly connectTo?: readonly string[];
    /** Origins of app icons besides https ones (local mode's simulator serves them over http). */
    readonly imagesFrom?: readonly string[];
  } = {},
): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: https:${(options.imagesFrom ?? []).map((origin) => ` ${origin}`).join('')}`,
    `connect-src 'self'${(options.connectTo ?? []).map((origin) => ` ${origin}`).join('')}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

/** The other headers of every console answer. */
export const CONSOLE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
} as const;

/**
 * The console's page an OpenID provider sends the browser back to after sign-in: the redirect URI is
 * the console's origin and this path (Cognito's app client lists it as its callback URL).
 */
export const CONSOLE_CALLBACK_PATH = '/signin/callback';

/** What the console reads at `/console-config.json` to know how people sign in. */
export type ConsoleConfig =
  | { readonly auth: { readonly kind: 'local' } }
  | {
      readonly auth: {
        readonly kind: 'oidc';
        /** The issuer whose `/.well-known/openid-configuration` gives the endpoints. */
        readonly issuer: string;
        readonly clientId: string;
        readonly scopes: string;
        /** Claim names of the ID token (Cognito: custom:org, custom:role). */
        readonly claims: { readonly org: string; readonly role: string; readonly email: string };
        /** Where sign-out ends the issuer's session when its discovery names none (Cognito's `/logout`). */
        readonly logoutEndpoint?: string;
      };
    };
