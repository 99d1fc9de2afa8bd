/**
 * List cursors are opaque for real (issue 12): sealed by the HTTP layer for one list of one
 * organisation, they carry no e-mail or name, page through the whole list, and a cursor of another
 * list, another account, another organisation or a forged one is 400 `cursor.invalid`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let north: string;
let south: string;
const OTHER: Caller = { org: 'other-org', role: 'org-admin', email: 'boss@other.test' };
const EMAILS = ['ada.lovelace@cursor.test', 'grace.hopper@cursor.test', 'alan.turing@cursor.test'];

async function addAccount(name: string, location: string): Promise<string> {
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name, email: 'it@demo.test', token: rt.tokenFile(location) },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  rt = await startTestRuntime();
  north = await addAccount('North', 'demo-north');
  south = await addAccount('South', 'demo-south');
  for (const email of EMAILS) {
    expect((await rt.call('POST', `/v1/accounts/${north}/users`, { body: { email } })).status).toBe(201);
    expect((await rt.call('POST', `/v1/accounts/${south}/users`, { body: { email } })).status).toBe(201);
  }
  const devices = ['C1', 'C2', 'C3'].map((serialNumber) => ({ serialNumber, networkId: 'n' }));
  expect((await rt.call('PUT', '/v1/devices', { body: devices })).status).toBe(200);
  expect((await rt.call('PUT', '/v1/devices', { as: OTHER, body: devices })).status).toBe(200);
  await eventually(async () => (await rt.deps.syncStates.get(north))?.lastSyncAt, 30_000, 'first sync');
});
afterAll(async () => {
  await rt?.stop();
});

/** Every page of a list, following its cursors. */
async function allPages(path: string, as?: Caller) {
  const items: { email?: string }[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await rt.call(
      'GET',
      `${path}${sep}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        ...(as ? { as } : {}),
      },
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { items, cursors };
}

describe('list cursors', () => {
  it('page through the whole list and carry no personal data', async () => {
    const { items, cursors } = await allPages(`/v1/accounts/${north}/users`);
    // Ours, and the users the first sync found at Apple.
    expect(items.map((u) => u.email)).toEqual(expect.arrayContaining(EMAILS));
    expect(new Set(items.map((u) => u.email)).size).toBe(items.length);
    expect(cursors.length).toBe(items.length - 1);
    for (const cursor of cursors) {
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      for (const email of EMAILS) {
        const [local = ''] = email.split('@');
        expect(cursor).not.toContain(local);
        expect(decoded).not.toContain(local);
        expect(cursor).not.toContain(Buffer.from(local).toString('base64url').slice(0, 12));
      }
    }
  });

  it('are refused on another list, another account or another organisation', async () => {
    const users = (await allPages(`/v1/accounts/${north}/users`)).cursors[0] ?? '';
    const devices = (await allPages('/v1/devices')).cursors[0] ?? '';
    const assets = (await allPages(`/v1/accounts/${north}/assets`)).cursors[0] ?? '';
    expect(assets).not.toBe('');
    const refused = [
      ['GET', `/v1/accounts/${south}/users?cursor=${users}`],
      ['GET', `/v1/devices?cursor=${users}`],
      ['GET', `/v1/accounts/${north}/users?cursor=${devices}`],
      ['GET', `/v1/accounts/${north}/assets?cursor=${users}`],
      ['GET', `/v1/accounts/${south}/assets?cursor=${assets}`],
      ['GET', `/v1/audit?cursor=${devices}`],
    ] as const;
    for (const [method, path] of refused) {
      const answer = await rt.call(method, path);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({
        path,
        status: 400,
        code: 'cursor.invalid',
      });
    }
    const elsewhere = await rt.call('GET', `/v1/devices?cursor=${devices}`, { as: OTHER });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe('cursor.invalid');
  });

  it('are refused when forged: the old plain format, a changed character, garbage', async () => {
    const plain = Buffer.from(JSON.stringify({ after: `${EMAILS[0]}\u0000x` })).toString('base64url');
    const real = (await allPages(`/v1/accounts/${north}/users`)).cursors[0] ?? '';
    const changed = `${real.slice(0, 10)}${real[10] === 'A' ? 'B' : 'A'}${real.slice(11)}`;
    for (const cursor of [plain, changed, 'not-a-cursor', 'A'.repeat(2000)]) {
      const answer = await rt.call('GET', `/v1/accounts/${north}/users?cursor=${cursor}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('cursor.invalid');
      expect(JSON.stringify(answer.body)).not.toContain(cursor.slice(0, 20));
    }
  });

  it('keep the key in the secret store, never in an answer', async () => {
    const key = (await rt.deps.secrets.get('service/cursor-key'))?.reveal() ?? '';
    expect(key.length).toBeGreaterThanOrEqual(32);
    const page = await rt.call('GET', `/v1/accounts/${north}/users?limit=1`);
    expect(JSON.stringify(page.body)).not.toContain(key.slice(0, 20));
  });
});
