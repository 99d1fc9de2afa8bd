/**
 * The rules of the console's sign-in, apart from the browser (no DOM here, so unit tests run them in
 * Node): who a session is for, when it is renewed, where the OpenID provider sends the browser back,
 * and where sign-out goes.
 */
import { CONSOLE_CALLBACK_PATH } from '../../config/console.ts';

export type Role = 'org-admin' | 'admin' | 'viewer';
const ROLES: readonly Role[] = ['org-admin', 'admin', 'viewer'];

export interface Session {
  /** The bearer the API's JWT authorizer accepts (with an OpenID provider: the ID token). */
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly org: string;
  readonly role: Role;
  readonly email: string;
  /** How to renew: the local sign-in's choice, or the issuer's refresh token. */
  readonly renew:
    | { readonly kind: 'local'; readonly org: string; readonly role: Role; readonly email: string }
    | { readonly kind: 'oidc'; readonly refreshToken?: string };
}

export const redirectUriOf = (origin: string): string => `${origin}${CONSOLE_CALLBACK_PATH}`;
/** Where the provider sends the browser after sign-out: the console's root. */
export const postLogoutUriOf = (origin: string): string => `${origin}/`;

const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * How long to wait before renewing: five minutes before expiry, or halfway through a shorter life
 * (a token that lives less than ten minutes is not renewed the moment it arrives, over and over).
 */
export function renewDelay(session: Pick<Session, 'expiresAt'>, now: number): number {
  const left = session.expiresAt - now;
  return Math.max(0, left - Math.min(RENEW_BEFORE_MS, left / 2));
}

/** Plain http is allowed for an issuer on this machine only (a local OpenID provider); anything else is https. */
export function isLoopbackHttp(issuer: string): boolean {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** `offline_access` asks for a refresh token, and OpenID Connect wants `prompt=consent` with it. */
export const wantsConsent = (scopes: string): boolean => scopes.split(/\s+/).includes('offline_access');

export class SignInError extends Error {}

/** The session an ID token's claims give, with the claim names of the configuration. */
export function sessionFromIdToken(
  names: { readonly org: string; readonly role: string; readonly email: string },
  idToken: string,
  claims: Readonly<Record<string, unknown>>,
  refreshToken: string | undefined,
): Session {
  const org = claims[names.org];
  const role = claims[names.role];
  const email = claims[names.email];
  const exp = claims.exp;
  if (typeof org !== 'string' || org.length === 0)
    throw new SignInError(`Your sign-in names no organisation (claim ${names.org}): ask your administrator.`);
  if (typeof role !== 'string' || !ROLES.includes(role as Role))
    throw new SignInError(
      `Your sign-in gives no role the console knows (claim ${names.role}: org-admin, admin or viewer).`,
    );
  if (typeof email !== 'string' || email.length === 0)
    throw new SignInError(`Your sign-in gives no e-mail (claim ${names.email}).`);
  if (typeof exp !== 'number') throw new SignInError('The ID token has no expiry.');
  return {
    token: idToken,
    expiresAt: exp * 1000,
    org,
    role: role as Role,
    email: email.toLowerCase(),
    renew: { kind: 'oidc', ...(refreshToken ? { refreshToken } : {}) },
  };
}

/**
 * Where sign-out sends the browser: the provider's `end_session_endpoint` (RP-initiated logout), or
 * else the configured logout endpoint (Cognito's `/logout`, with `client_id` and `logout_uri`), or
 * nowhere (undefined: the console just forgets the tokens).
 */
export function signOutUrl(options: {
  readonly endSessionEndpoint?: string | undefined;
  readonly logoutEndpoint?: string | undefined;
  readonly clientId: string;
  readonly idToken?: string | undefined;
  readonly origin: string;
}): string | undefined {
  if (options.endSessionEndpoint) {
    const url = new URL(options.endSessionEndpoint);
    url.searchParams.set('client_id', options.clientId);
    url.searchParams.set('post_logout_redirect_uri', postLogoutUriOf(options.origin));
    if (options.idToken) url.searchParams.set('id_token_hint', options.idToken);
    return url.href;
  }
  if (options.logoutEndpoint) {
    const url = new URL(options.logoutEndpoint);
    url.searchParams.set('client_id', options.clientId);
    url.searchParams.set('logout_uri', postLogoutUriOf(options.origin));
    return url.href;
  }
  return undefined;
}
