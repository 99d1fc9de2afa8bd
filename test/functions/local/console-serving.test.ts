/**
 * Local mode serves the admin console at `/`: its page is the fallback of every path outside the API's
 * prefixes (an unknown API route stays the gateway's JSON 404), every HTML answer carries a strict
 * Content-Security-Policy without inline script, and the local sign-in issues the JWT the API accepts.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PATH_PREFIXES } from '../../../shared/config/console.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${rt.apiUrl}${path}`, init);

/** No inline or evaluated script: scripts come from the origin only, or not at all. */
function expectStrictPolicy(policy: string | null) {
  expect(policy).toBeTruthy();
  expect(policy).toContain("default-src 'none'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  const script = /script-src ([^;]*)/.exec(policy ?? '')?.[1];
  if (script) expect(script.trim()).toBe("'self'");
}

describe('the console in local mode', () => {
  it('answers its page at / and at any of its own paths, with only external scripts', async () => {
    for (const path of ['/', '/accounts', '/accounts/a1/users', '/no/such/console/page']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expectStrictPolicy(page.headers.get('content-security-policy'));
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      // Every script is a file of the build; none is written into the page.
      for (const tag of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) {
        expect(tag).toMatch(/src="\/assets\/[^"]+\.js"/);
        expect(tag).toMatch(/><\/script>$/);
      }
    }
  });

  it('serves the files of the build with their types, the hashed ones cached for good', async () => {
    const html = await (await get('/')).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const answer = await get(script);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/javascript');
    expect(answer.headers.get('cache-control')).toContain('immutable');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('keeps the JavaScript of the first page within 250 KB gzipped', async () => {
    const html = await (await get('/')).text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const script of scripts)
      gzipped += gzipSync(Buffer.from(await (await get(script)).arrayBuffer())).length;
    expect(gzipped).toBeLessThanOrEqual(250 * 1024);
  });

  it('never answers the page under the API prefixes: an unknown API route is the JSON 404', async () => {
    for (const prefix of API_PATH_PREFIXES) {
      const answer = await get(`${prefix}/no/such/route`);
      expect(answer.status, prefix).toBe(404);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(await answer.text()).not.toContain('<div id="app">');
    }
    const unknown = await get('/v1/no-such-route');
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
  });

  it('refuses to write to the console: only GET and HEAD', async () => {
    expect((await get('/accounts', { method: 'POST' })).status).toBe(405);
    expect((await get('/', { method: 'HEAD' })).status).toBe(200);
  });

  it('tells the console to use the local sign-in', async () => {
    const config = await get('/console-config.json');
    expect(await config.json()).toEqual({ auth: { kind: 'local' } });
  });

  it('signs in locally with the JWT the API accepts, for the organisation, role and e-mail chosen', async () => {
    const session = await get('/_local/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'demo', role: 'viewer', email: 'Viewer@Demo.test' }),
    });
    expect(session.status).toBe(201);
    const { token, expiresIn } = (await session.json()) as { token: string; expiresIn: number };
    expect(expiresIn).toBeGreaterThan(3600);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ org: 'demo', role: 'viewer', email: 'viewer@demo.test' });
    const accounts = await get('/v1/accounts', { headers: { authorization: `Bearer ${token}` } });
    expect(accounts.status).toBe(200);
    // A viewer's token is a viewer's: adding an account is refused.
    const add = await get('/v1/accounts', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', email: 'x@demo.test', token: 'x' }),
    });
    expect(add.status).toBe(403);
  });

  it('refuses a sign-in without a known role or a valid e-mail, with a reason', async () => {
    for (const body of [
      { org: 'demo', role: 'root', email: 'a@demo.test' },
      { org: 'demo', role: 'admin' },
      'nope',
    ]) {
      const answer = await get('/_local/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('request.invalid');
    }
  });

  it('puts a strict policy on the outbox and the invitation pages too', async () => {
    expectStrictPolicy((await get('/_local/outbox.html')).headers.get('content-security-policy'));
    const invitation = await get('/invitations/not-a-real-token');
    expect(invitation.headers.get('content-type')).toContain('text/html');
    expectStrictPolicy(invitation.headers.get('content-security-policy'));
  });
});
