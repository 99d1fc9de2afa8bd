/**
 * Sign-in with an OpenID provider (Cognito's managed login, or the external `jwtIssuer`): the
 * authorization code flow with PKCE (S256), state and nonce, through oauth4webapi (the provider's
 * discovery, the callback's checks, the code exchange, the ID token's iss/aud/exp/nonce, the refresh
 * grant). Loaded only when the console's configuration says `oidc` (a chunk of its own).
 *
 * The bearer sent to the API is the ID token: its audience is the console's client id, which the
 * API's JWT authorizer lists, and it carries the organisation, role and e-mail claims (Cognito's
 * access token has neither the `aud` nor the custom attributes).
 */
import * as oauth from 'oauth4webapi';
import type { ConsoleConfig } from '../../config/console.ts';
import {
  isLoopbackHttp,
  redirectUriOf,
  type Session,
  SignInError,
  sessionFromIdToken,
  signOutUrl,
  wantsConsent,
} from './sign-in-rules.ts';

type OidcAuth = Extract<ConsoleConfig['auth'], { kind: 'oidc' }>;

/** What this tab remembers between leaving for the provider and coming back. */
const PENDING_KEY = 'vpp-console.oidc-pending';
interface Pending {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** The console page to land on once signed in. */
  readonly returnTo: string;
}

const servers = new Map<string, Promise<oauth.AuthorizationServer>>();

const requestOptions = (auth: OidcAuth) =>
  isLoopbackHttp(auth.issuer) ? { [oauth.allowInsecureRequests]: true } : {};

/** The provider's metadata from its `/.well-known/openid-configuration` (once per page). */
function discover(auth: OidcAuth): Promise<oauth.AuthorizationServer> {
  let server = servers.get(auth.issuer);
  if (!server) {
    const issuer = new URL(auth.issuer);
    server = oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(auth) })
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        servers.delete(auth.issuer);
        throw new SignInError(
          `The sign-in provider ${auth.issuer} could not be reached: ${messageOf(error)}`,
        );
      });
    servers.set(auth.issuer, server);
  }
  return server;
}

const clientOf = (auth: OidcAuth): oauth.Client => ({ client_id: auth.clientId });

function messageOf(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError)
    return error.error_description ?? error.error;
  return error instanceof Error ? error.message : String(error);
}

/** Leaves for the provider's sign-in page; the callback page finishes. */
export async function beginSignIn(auth: OidcAuth, returnTo: string): Promise<void> {
  const server = await discover(auth);
  if (!server.authorization_endpoint)
    throw new SignInError('The sign-in provider names no authorization endpoint.');
  const pending: Pending = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
    returnTo,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(server.authorization_endpoint);
  url.searchParams.set('client_id', auth.clientId);
  url.searchParams.set('redirect_uri', redirectUriOf(location.origin));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', auth.scopes);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (wantsConsent(auth.scopes)) url.searchParams.set('prompt', 'consent');
  location.assign(url.href);
}

/**
 * The callback: the answer must carry the state this tab sent (else it is refused), the code is
 * exchanged with the PKCE verifier, and the ID token must be for this client, from this issuer, with
 * this tab's nonce. Returns the session and the page to go to.
 */
export async function completeSignIn(
  auth: OidcAuth,
  callback: URL,
): Promise<{ session: Session; returnTo: string }> {
  const saved = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = saved ? (JSON.parse(saved) as Pending) : undefined;
  if (!pending)
    throw new SignInError('This tab started no sign-in, so its answer is refused. Sign in again.');
  const server = await discover(auth);
  const client = clientOf(auth);
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(server, client, callback, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError)
      throw new SignInError(`The sign-in provider refused: ${messageOf(error)}.`);
    throw new SignInError(
      'The sign-in answer does not match the sign-in this tab started (its state differs), so it is refused. Sign in again.',
    );
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      oauth.None(),
      parameters,
      redirectUriOf(location.origin),
      pending.verifier,
      requestOptions(auth),
    );
    const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    return { session: sessionOf(auth, result), returnTo: pending.returnTo };
  } catch (error) {
    if (error instanceof SignInError) throw error;
    throw new SignInError(`The sign-in could not be completed: ${messageOf(error)}.`);
  }
}

function sessionOf(auth: OidcAuth, result: oauth.TokenEndpointResponse, refreshToken?: string): Session {
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (!result.id_token || !claims) throw new SignInError('The sign-in provider gave no ID token.');
  return sessionFromIdToken(auth.claims, result.id_token, claims, result.refresh_token ?? refreshToken);
}

/** A new ID token with the refresh token, before the old one expires; undefined: sign in again. */
export async function renew(auth: OidcAuth, session: Session): Promise<Session | undefined> {
  if (session.renew.kind !== 'oidc' || !session.renew.refreshToken) return undefined;
  const server = await discover(auth);
  const client = clientOf(auth);
  const response = await oauth.refreshTokenGrantRequest(
    server,
    client,
    oauth.None(),
    session.renew.refreshToken,
    requestOptions(auth),
  );
  const result = await oauth.processRefreshTokenResponse(server, client, response);
  // A provider may keep the refresh token (Cognito) or rotate it (one-time refresh tokens).
  return result.id_token ? sessionOf(auth, result, session.renew.refreshToken) : undefined;
}

/** Where to send the browser once the tokens are forgotten (the provider's sign-out), if anywhere. */
export async function endSessionUrl(
  auth: OidcAuth,
  idToken: string | undefined,
): Promise<string | undefined> {
  const server = await discover(auth).catch(() => undefined);
  return signOutUrl({
    endSessionEndpoint: server?.end_session_endpoint,
    logoutEndpoint: auth.logoutEndpoint,
    clientId: auth.clientId,
    idToken,
    origin: location.origin,
  });
}
