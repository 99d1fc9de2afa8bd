/**
 * The console's sign-in rules, in Node: who an ID token signs in, when a session is renewed, which
 * issuers may be plain http, when consent is asked for, and where sign-out sends the browser.
 */
import { describe, expect, it } from 'vitest';
import {
  isLoopbackHttp,
  postLogoutUriOf,
  redirectUriOf,
  renewDelay,
  SignInError,
  sessionFromIdToken,
  signOutUrl,
  wantsConsent,
} from '../../../shared/console/src/sign-in-rules.ts';

const MINUTE = 60_000;
const NAMES = { org: 'custom:org', role: 'custom:role', email: 'email' };
const CLAIMS = { 'custom:org': 'demo', 'custom:role': 'admin', email: 'Pat@Demo.TEST', exp: 1_800_000_000 };

describe('renewDelay', () => {
  it('renews five minutes before expiry when the token lives long', () => {
    expect(renewDelay({ expiresAt: 60 * MINUTE }, 0)).toBe(55 * MINUTE);
  });

  it('renews halfway through a life shorter than ten minutes, never at once', () => {
    expect(renewDelay({ expiresAt: 6 * MINUTE }, 0)).toBe(3 * MINUTE);
    expect(renewDelay({ expiresAt: 1000 }, 0)).toBe(500);
  });

  it('renews at once when the token has expired', () => {
    expect(renewDelay({ expiresAt: 1000 }, 5000)).toBe(0);
  });
});

describe('isLoopbackHttp', () => {
  it.each(['http://127.0.0.1:9000', 'http://localhost/issuer', 'http://[::1]:8443/'])(
    'allows %s',
    (issuer) => {
      expect(isLoopbackHttp(issuer)).toBe(true);
    },
  );

  it.each([
    'https://127.0.0.1:9000',
    'http://example.com',
    'http://127.0.0.1.example.com',
    'http://10.0.0.1',
    'not a url',
  ])('refuses %s', (issuer) => {
    expect(isLoopbackHttp(issuer)).toBe(false);
  });
});

describe('wantsConsent', () => {
  it('asks for consent only with offline_access', () => {
    expect(wantsConsent('openid email offline_access')).toBe(true);
    expect(wantsConsent('openid email')).toBe(false);
    expect(wantsConsent('openid offline_access_extra')).toBe(false);
  });
});

describe('sessionFromIdToken', () => {
  it('reads organisation, role and e-mail under the configured claim names', () => {
    const session = sessionFromIdToken(NAMES, 'id.token.here', CLAIMS, 'refresh-1');
    expect(session).toEqual({
      token: 'id.token.here',
      expiresAt: 1_800_000_000_000,
      org: 'demo',
      role: 'admin',
      email: 'pat@demo.test',
      renew: { kind: 'oidc', refreshToken: 'refresh-1' },
    });
  });

  it('keeps no refresh token when the provider gave none', () => {
    expect(sessionFromIdToken(NAMES, 't', CLAIMS, undefined).renew).toEqual({ kind: 'oidc' });
  });

  it.each([
    ['no organisation', { ...CLAIMS, 'custom:org': '' }, /no organisation \(claim custom:org\)/],
    ['an unknown role', { ...CLAIMS, 'custom:role': 'root' }, /no role the console knows/],
    ['no e-mail', { ...CLAIMS, email: undefined }, /no e-mail \(claim email\)/],
    ['no expiry', { ...CLAIMS, exp: '1800000000' }, /no expiry/],
  ])('refuses a token with %s, in words', (_what, claims, message) => {
    expect(() => sessionFromIdToken(NAMES, 't', claims, undefined)).toThrow(SignInError);
    expect(() => sessionFromIdToken(NAMES, 't', claims, undefined)).toThrow(message);
  });
});

describe('signOutUrl', () => {
  const origin = 'https://console.example';

  it('prefers the provider end-session endpoint, with the ID token as hint', () => {
    const url = new URL(
      signOutUrl({
        endSessionEndpoint: 'https://id.example/session/end?ui=1',
        logoutEndpoint: 'https://auth.example/logout',
        clientId: 'client-1',
        idToken: 'id-1',
        origin,
      }) ?? '',
    );
    expect(url.origin + url.pathname).toBe('https://id.example/session/end');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      ui: '1',
      client_id: 'client-1',
      post_logout_redirect_uri: 'https://console.example/',
      id_token_hint: 'id-1',
    });
  });

  it("uses Cognito's logout endpoint with client_id and logout_uri otherwise", () => {
    const url = new URL(
      signOutUrl({ logoutEndpoint: 'https://auth.example/logout', clientId: 'c', origin }) ?? '',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'c',
      logout_uri: postLogoutUriOf(origin),
    });
  });

  it('goes nowhere when the provider has neither', () => {
    expect(signOutUrl({ clientId: 'c', origin })).toBeUndefined();
  });
});

it('sends the provider back to the callback page of the same origin', () => {
  expect(redirectUriOf('https://console.example')).toBe('https://console.example/signin/callback');
});
