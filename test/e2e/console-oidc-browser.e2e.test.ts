/**
 * The console's sign-in at an external OpenID provider, in a real browser (Debian's Chromium driven by
 * playwright-core): a local provider (the `oidc-provider` package, on loopback, its own login and
 * consent pages) and local mode configured as for `LOCAL_OIDC_ISSUER` / `LOCAL_OIDC_CLIENT_ID`. The
 * authorization code flow with PKCE lands in the console signed in with the provider's role, the API
 * answers the ID token, the refresh token renews it before it expires (the page's clock is moved on),
 * sign-out clears the tab and ends the provider's session, and an answer with another state is
 * refused in words. axe-core checks the console's sign-in and callback pages.
 */

import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/engines/net.ts';
import { type BrowserPage, openBrowserPage } from '../support/browser.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const CLIENT_ID = 'vpp-console-test';
/** The provider's people: the login is the account id; any password goes (its dev interactions). */
const PEOPLE: Record<string, { org: string; role: string }> = {
  'viewer@demo.test': { org: 'demo', role: 'viewer' },
};

let rt: TestRuntime;
let issuer: string;
let providerServer: Server;
let session: BrowserPage;
let page: Page;

beforeAll(async () => {
  const consolePort = await freePort();
  const consoleOrigin = `http://127.0.0.1:${consolePort}`;
  const providerPort = await freePort();
  issuer = `http://127.0.0.1:${providerPort}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${consoleOrigin}/signin/callback`],
        post_logout_redirect_uris: [`${consoleOrigin}/`],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['console-oidc-test'] },
    // The organisation and role ride in the ID token, as the API reads them (claims org, role, email).
    claims: { openid: ['sub', 'org', 'role'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: true, ...PEOPLE[id] }),
    }),
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  });
  providerServer = provider.listen(providerPort, '127.0.0.1');
  rt = await startTestRuntime({ port: consolePort, oidc: { issuer, clientId: CLIENT_ID } });
  session = await openBrowserPage('console-oidc');
  page = session.page;
  // The provider's pages import a web font: nothing leaves this machine.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  // The page's clock runs as usual until the renewal test moves it on.
  await page.clock.install();
}, 180_000);

afterEach((context) => session?.screenshotOnFailure(context));

afterAll(async () => {
  await session?.browser.close();
  await rt?.stop();
  await new Promise((done) => (providerServer ? providerServer.close(done) : done(undefined)));
});

const checkPage = (name: string) => session.checkPage(name);

const storedSession = () =>
  page.evaluate(() => {
    const saved = (globalThis as any).sessionStorage.getItem('vpp-console.session') as string | null;
    return saved
      ? (JSON.parse(saved) as { token: string; role: string; renew: { refreshToken?: string } })
      : null;
  });

const isTokenRequest = (grant: string) => (request: Request) =>
  request.url() === `${issuer}/token` && (request.postData() ?? '').includes(`grant_type=${grant}`);

describe('sign-in at an OpenID provider', () => {
  it('signs in with the code flow and PKCE, and the API answers the ID token', async () => {
    await page.goto(`${rt.apiUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to VPP Manager' }).waitFor();
    await checkPage('sign-in');

    const authorize = page.waitForRequest((r) => r.url().startsWith(`${issuer}/auth?`));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const query = new URL((await authorize).url()).searchParams;
    expect(query.get('client_id')).toBe(CLIENT_ID);
    expect(query.get('redirect_uri')).toBe(`${rt.apiUrl}/signin/callback`);
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(query.get('state')).toBeTruthy();
    expect(query.get('nonce')).toBeTruthy();

    // The provider's own login and consent pages.
    await page.locator('input[name=login]').fill('viewer@demo.test');
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    const accounts = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/accounts');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/accounts');
    await expect.poll(() => page.locator('.who').textContent()).toContain('viewer@demo.test · viewer · demo');
    const session = await storedSession();
    expect(session?.role).toBe('viewer');
    expect(session?.renew.refreshToken).toBeTruthy();
    // The API's call carried the ID token and succeeded.
    const response = await accounts;
    expect(response.status()).toBe(200);
    expect(await response.request().headerValue('authorization')).toBe(`Bearer ${session?.token}`);
    await expect.poll(() => page.locator('.empty').textContent()).toContain('No account yet');
    // A viewer: no write action.
    expect(await page.getByRole('button', { name: 'Add account' }).count()).toBe(0);
  });

  it('renews the ID token with the refresh token before it expires', async () => {
    const before = await storedSession();
    const refresh = page.waitForRequest(isTokenRequest('refresh_token'));
    // The provider's ID tokens live an hour: 56 minutes on, the console renews (5 minutes before).
    await page.clock.fastForward('56:00');
    expect((await (await refresh).response())?.status()).toBe(200);
    // The provider rotates a public client's refresh token (an ID token made in the same second may be
    // the same bytes): the kept session is the renewed one.
    await expect
      .poll(async () => (await storedSession())?.renew.refreshToken)
      .not.toBe(before?.renew.refreshToken);
    const after = await storedSession();
    expect(after?.role).toBe('viewer');

    // The next API call carries the new token, and the API takes it.
    const devices = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/devices');
    await page.getByRole('link', { name: 'Devices' }).click();
    const response = await devices;
    expect(response.status()).toBe(200);
    expect(await response.request().headerValue('authorization')).toBe(`Bearer ${after?.token}`);
  });

  it("signs out: the tab forgets the tokens and the provider's session ends", async () => {
    const token = (await storedSession())?.token;
    const bearers: string[] = [];
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (new URL(request.url()).pathname.startsWith('/v1') && authorization) bearers.push(authorization);
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'Sign in to VPP Manager' }).waitFor();
    expect(new URL(page.url()).origin).toBe(rt.apiUrl);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length as number)).toBe(0);
    // A console page now asks for sign-in and calls the API with no token.
    await page.goto(`${rt.apiUrl}/devices`);
    await page.getByRole('heading', { name: 'Sign in to VPP Manager' }).waitFor();
    expect(bearers.filter((b) => b === `Bearer ${token}`)).toEqual([]);

    // The provider's session is over too: signing in again asks for the login.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('input[name=login]').waitFor();
  });

  it('refuses an answer whose state is not the one this tab sent, in words', async () => {
    // A sign-in is under way (the provider's login page is open); a forged answer arrives.
    await page.goto(
      `${rt.apiUrl}/signin/callback?code=forged&state=not-the-one&iss=${encodeURIComponent(issuer)}`,
    );
    await page.getByRole('heading', { level: 1, name: 'Sign-in refused' }).waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('its state differs');
    expect(await storedSession()).toBeNull();
    await checkPage('callback-refused');
    expect(session.policyViolations).toEqual([]);
  });
});
