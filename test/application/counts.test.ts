/**
 * Counts are true without a manual sync (issue 14 point 1), over HTTP on the local engines with the
 * simulator: an asset's counts are Apple's as Apple last said them (re-read after every notification
 * of an assignment change, ours or another tool's, after a refusal for want of licences, and when a
 * job that changed the asset ends, once per asset per batch), and the account's `counts` equal their
 * definitions (sums over the assets that are not unlimited, the number of assets, the users that are
 * not retired) once each kind of change has ended: grants, revocations, new users, imports and
 * retirements. The nightly sync never runs here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationSecretName } from '../../shared/application/accounts/token-guard.ts';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
const LOCATION = 'counts-main';
const APP = { adamId: '6100000001', pricingParam: 'STDQ' as const };
const FREE = { adamId: '6100000002', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '6100000003', pricingParam: 'STDQ' as const };

beforeAll(async () => {
  rt = await startTestRuntime({ simulator: { seed: 'demo', eventDelayMs: 30 } });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'counts-org',
        name: 'Counting Schools',
        locations: [
          {
            id: LOCATION,
            name: 'Counts Main',
            assets: [
              { ...APP, productType: 'App', name: 'Ten Seats', totalCount: 10, deviceAssignable: true },
              { ...FREE, productType: 'App', name: 'Free', unlimited: true, deviceAssignable: true },
              { ...BOOK, productType: 'Book', name: 'A Book', totalCount: 4, deviceAssignable: false },
            ],
            users: [
              { clientUserId: 'c-assoc', email: 'assoc@counts.test', status: 'Associated' },
              { clientUserId: 'c-reg', email: 'reg@counts.test' },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Counts', email: 'it@demo.test', token: seeded.locations[0]?.tokens[0] },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
  const devices = ['CNT1', 'CNT2', 'CNT3', 'CNT4'].map((serialNumber) => ({ serialNumber, networkId: 'n' }));
  expect((await rt.call('PUT', '/v1/devices', { body: devices })).status).toBe(200);
});

afterAll(async () => {
  await rt?.stop();
});

const base = () => `/v1/accounts/${accountId}`;

/** The account's counts, checked against their definitions from the lists the API shows. */
async function countsMatchTheLists() {
  const account = (await rt.call('GET', base())).body;
  const assets = (await rt.call('GET', `${base()}/assets?limit=1000`)).body.items as {
    unlimited: boolean;
    totalCount: number;
    assignedCount: number;
    availableCount: number;
  }[];
  const users = (await rt.call('GET', `${base()}/users?limit=1000`)).body.items as { status: string }[];
  const limited = assets.filter((a) => !a.unlimited);
  expect(account.counts).toEqual({
    assets: assets.length,
    licenses: {
      total: limited.reduce((n, a) => n + a.totalCount, 0),
      assigned: limited.reduce((n, a) => n + a.assignedCount, 0),
      available: limited.reduce((n, a) => n + a.availableCount, 0),
    },
    users: users.filter((u) => u.status !== 'Retired').length,
  });
  return account.counts;
}

/** Our asset beside Apple's: the same counts. */
async function assetAsApple(adamId: string) {
  const ours = (await rt.call('GET', `${base()}/assets/${adamId}`)).body;
  const apple = rt.simulator
    .snapshot()
    .locations.find((l) => l.id === LOCATION)
    ?.assets.find((a) => a.adamId === adamId);
  expect({
    totalCount: ours.totalCount,
    assignedCount: ours.assignedCount,
    availableCount: ours.availableCount,
  }).toEqual({
    totalCount: apple?.totalCount,
    assignedCount: apple?.assignedCount,
    availableCount: apple?.availableCount,
  });
  return ours;
}

const assetReads = () => rt.simulator.calls()['GET assets'] ?? 0;

describe('counts without a sync', () => {
  it('after the first sync: the definitions, an unlimited asset counted as an asset only', async () => {
    expect(await countsMatchTheLists()).toEqual({
      assets: 3,
      licenses: { total: 14, assigned: 0, available: 14 },
      users: 2,
    });
  });

  it('after grants and revocations, Apple’s counts as soon as the job ends', async () => {
    const granted = await rt.call('POST', `${base()}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['CNT1', 'CNT2', 'CNT3'] },
    });
    expect(granted.status).toBe(202);
    expect(await jobEnded(rt, granted.body.job.id)).toMatchObject({ state: 'succeeded', completed: 3 });
    expect(await assetAsApple(APP.adamId)).toMatchObject({
      assignedCount: 3,
      availableCount: 7,
      pendingCount: 0,
    });
    expect((await countsMatchTheLists()).licenses).toEqual({ total: 14, assigned: 3, available: 11 });

    const revoked = await rt.call('POST', `${base()}/assets/${APP.adamId}/revocations`, {
      body: { serialNumbers: ['CNT3'] },
    });
    expect(await jobEnded(rt, revoked.body.job.id)).toMatchObject({ state: 'succeeded' });
    expect(await assetAsApple(APP.adamId)).toMatchObject({ assignedCount: 2, availableCount: 8 });
    expect((await countsMatchTheLists()).licenses).toEqual({ total: 14, assigned: 2, available: 12 });
  });

  it('after an assignment made by another tool, on its notification, with one read of the asset', async () => {
    rt.simulator.externalAssign(LOCATION, APP, { serialNumber: 'ELSEWHERE1' });
    const secret = (await rt.deps.secrets.get(notificationSecretName(accountId)))?.reveal();
    const before = assetReads();
    const answer = await fetch(`${rt.apiUrl}/apple/notifications/${accountId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        notificationId: crypto.randomUUID(),
        notificationType: 'ASSET_MANAGEMENT',
        notification: {
          type: 'ASSOCIATE',
          result: 'SUCCESS',
          eventId: 'event-of-another-mdm',
          assignments: [{ ...APP, serialNumber: 'ELSEWHERE1' }],
        },
      }),
    });
    expect(answer.status).toBe(200);
    await eventually(
      async () => (await rt.call('GET', `${base()}/assets/${APP.adamId}`)).body.assignedCount === 3,
      15_000,
      'the counts of the assignment made elsewhere',
    );
    expect(assetReads() - before).toBe(1);
    await assetAsApple(APP.adamId);
    expect((await countsMatchTheLists()).licenses).toEqual({ total: 14, assigned: 3, available: 11 });
  });

  it('after a refusal for want of licences (licences taken elsewhere, unknown here), Apple’s counts', async () => {
    // Another tool takes every free licence; nobody tells us.
    for (let i = 0; i < 7; i++) rt.simulator.externalAssign(LOCATION, APP, { serialNumber: `TAKEN${i}` });
    const granted = await rt.call('POST', `${base()}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['CNT4'] },
    });
    expect(granted.status).toBe(202);
    const job = await jobEnded(rt, granted.body.job.id);
    expect(job).toMatchObject({ state: 'failed', failures: [{ appleError: { errorNumber: 9709 } }] });
    expect(await assetAsApple(APP.adamId)).toMatchObject({
      assignedCount: 10,
      availableCount: 0,
      pendingCount: 0,
      countsConsistent: true,
    });
    expect((await countsMatchTheLists()).licenses).toEqual({ total: 14, assigned: 10, available: 4 });
  });

  it('after new users and an import, at once', async () => {
    const added = await rt.call('POST', `${base()}/users`, { body: { email: 'new1@counts.test' } });
    expect(added.status).toBe(201);
    expect((await countsMatchTheLists()).users).toBe(3);
    const imported = await rt.call('POST', `${base()}/users/import`, {
      raw: 'email,name\nimp1@counts.test,One\nimp2@counts.test,Two\nnew1@counts.test,Again\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBeLessThan(300);
    expect((await countsMatchTheLists()).users).toBe(5);
  });

  it('after a retirement, once its job ends', async () => {
    const retired = await rt.call('POST', `${base()}/users/retirements`, { body: { userIds: ['c-reg'] } });
    expect(retired.status).toBe(202);
    expect(await jobEnded(rt, retired.body.job.id)).toMatchObject({ state: 'succeeded' });
    expect((await countsMatchTheLists()).users).toBe(4);
  });
});
