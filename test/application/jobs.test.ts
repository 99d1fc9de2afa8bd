/**
 * Tracing jobs through the API in local mode (`GET /v1/jobs`, `GET /v1/jobs/{id}`): who sees which
 * jobs (org-admins and viewers every job of the organisation; an admin those of the accounts that list
 * them, no organisation-wide job), the filters, paging newest first with sealed cursors, bad filters,
 * and the jobs that adding an account and putting a deployment answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Caller,
  eventually,
  ORG_ADMIN,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let rt: TestRuntime;
const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const NORTH_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'north@demo.test' };
const SOUTH_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'south@demo.test' };
const OTHER_ORG: Caller = { org: 'acme', role: 'org-admin', email: 'boss@acme.test' };

let north: string;
let south: string;
let removal: string;
let northSync: string;
const firstSyncs: string[] = [];

/** Every job of a list, following its cursors, with the size of each page. */
async function listAll(query: string, as: Caller = ORG_ADMIN): Promise<{ items: any[]; pages: number[] }> {
  const items: any[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const answer = await rt.call(
      'GET',
      `/v1/jobs?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { as },
    );
    expect(answer.status).toBe(200);
    items.push(...answer.body.items);
    pages.push(answer.body.items.length);
    cursor = answer.body.nextCursor;
  } while (cursor && pages.length < 50);
  return { items, pages };
}

const ids = async (query: string, as: Caller = ORG_ADMIN) =>
  (await listAll(query, as)).items.map((j) => j.id);

const ended = (id: string) =>
  eventually(
    async () => {
      const job = (await rt.call('GET', `/v1/jobs/${id}`)).body;
      return ['succeeded', 'failed', 'partially_failed'].includes(job.state) ? job : undefined;
    },
    30_000,
    `job ${id}`,
  );

beforeAll(async () => {
  rt = await startTestRuntime();
  for (const [name, location, admin] of [
    ['North', 'demo-north', NORTH_ADMIN],
    ['South', 'demo-south', SOUTH_ADMIN],
  ] as const) {
    const created = await rt.call('POST', '/v1/accounts', {
      body: { name, email: 'it@demo.test', token: rt.tokenFile(location), allowedAdmins: [admin.email] },
    });
    expect(created.status).toBe(201);
    firstSyncs.push(created.body.syncJob.id);
    if (name === 'North') north = created.body.id;
    else south = created.body.id;
  }
  for (const id of firstSyncs) await ended(id);
  // An organisation-wide job: a device removal (an org-admin's).
  expect(
    (await rt.call('PUT', '/v1/devices', { body: [{ serialNumber: 'TRACE-1', networkId: 'net-1' }] })).status,
  ).toBe(200);
  const removed = await rt.call('DELETE', '/v1/devices/TRACE-1');
  expect(removed.status).toBe(202);
  removal = removed.body.job.id;
  const synced = await rt.call('POST', `/v1/accounts/${north}/sync`, { as: NORTH_ADMIN });
  expect(synced.status).toBe(202);
  northSync = synced.body.job.id;
  await ended(northSync);
});
afterAll(async () => {
  await rt?.stop();
});

describe('GET /v1/jobs', () => {
  it('lists org-admins and viewers every job of the organisation, newest first, without failures', async () => {
    const all = await listAll('limit=100');
    expect(all.items.map((j) => j.id).sort()).toEqual([...firstSyncs, removal, northSync].sort());
    const created = all.items.map((j) => `${j.createdAt}#${j.id}`);
    expect(created).toEqual([...created].sort().reverse());
    expect(all.items.every((j) => !('failures' in j) && !('orgId' in j))).toBe(true);
    expect(await ids('limit=100', VIEWER)).toEqual(all.items.map((j) => j.id));
    expect(await ids('limit=100', OTHER_ORG)).toEqual([]);
  });

  it('lists an admin only the jobs of the accounts that list them; an organisation-wide job is neither listed nor readable', async () => {
    expect((await ids('limit=100', NORTH_ADMIN)).sort()).toEqual([firstSyncs[0], northSync].sort());
    expect(await ids('limit=100', SOUTH_ADMIN)).toEqual([firstSyncs[1]]);
    expect((await rt.call('GET', `/v1/jobs/${removal}`, { as: NORTH_ADMIN })).status).toBe(404);
    expect((await rt.call('GET', `/v1/jobs/${removal}`, { as: VIEWER })).body).toMatchObject({
      type: 'device-removal',
      state: 'succeeded',
    });
  });

  it('filters by type, state and account', async () => {
    expect((await ids('type=sync')).sort()).toEqual([...firstSyncs, northSync].sort());
    expect(await ids('type=device-removal')).toEqual([removal]);
    expect((await ids('state=succeeded')).sort()).toEqual([...firstSyncs, removal, northSync].sort());
    expect(await ids('state=running')).toEqual([]);
    expect((await ids(`accountId=${north}`)).sort()).toEqual([firstSyncs[0], northSync].sort());
    expect(await ids(`accountId=${south}&type=sync`, SOUTH_ADMIN)).toEqual([firstSyncs[1]]);
  });

  it('answers an empty list for an account the caller cannot see or that is not there, and 400 for malformed filters', async () => {
    expect(await ids(`accountId=${north}`, SOUTH_ADMIN)).toEqual([]);
    expect(await ids(`accountId=${north}`, OTHER_ORG)).toEqual([]);
    expect(await ids('accountId=no-such-account')).toEqual([]);
    for (const query of [
      'accountId=',
      `accountId=${'x'.repeat(65)}`,
      'type=bogus',
      'state=done',
      'limit=0',
    ]) {
      const answer = await rt.call('GET', `/v1/jobs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBeTypeOf('string');
    }
  });

  it('pages newest first with sealed cursors, each job once, for one list and for an admin’s accounts', async () => {
    const whole = await ids('limit=100');
    const paged = await listAll('limit=1');
    expect(paged.items.map((j) => j.id)).toEqual(whole);
    expect(paged.pages.every((n) => n === 1)).toBe(true);
    expect((await listAll('limit=1', NORTH_ADMIN)).items.map((j) => j.id)).toEqual(
      await ids('limit=100', NORTH_ADMIN),
    );
    // A cursor is for this list of this organisation only.
    const first = await rt.call('GET', '/v1/jobs?limit=1');
    const foreign = await rt.call(
      'GET',
      `/v1/jobs?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      {
        as: OTHER_ORG,
      },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('cursor.invalid');
  });
});

describe('jobs the answers name', () => {
  it('a put deployment answers the reconciliation it queued, which the list shows and which ends', async () => {
    const put = await rt.call('PUT', `/v1/accounts/${north}/assets/361309726/deployment`, {
      as: NORTH_ADMIN,
      body: {
        method: 'device',
        scope: { networks: [], tags: ['trace'] },
        autoAssign: true,
        autoRevoke: false,
      },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      adamId: '361309726',
      reconcileJob: {
        type: 'reconciliation',
        accountId: north,
        state: 'queued',
        waitingFor: { kind: 'debounce' },
      },
    });
    const job = put.body.reconcileJob;
    expect(Date.parse(job.waitingFor.nextCheckAt)).toBeGreaterThan(Date.parse(job.createdAt));
    expect(await ids('type=reconciliation', NORTH_ADMIN)).toEqual([job.id]);
    expect(await ended(job.id)).toMatchObject({ state: 'succeeded' });
    expect((await rt.call('GET', `/v1/jobs/${job.id}`, { as: NORTH_ADMIN })).body).not.toHaveProperty(
      'waitingFor',
    );
    expect(await ids('type=reconciliation', SOUTH_ADMIN)).toEqual([]);
  });
});
