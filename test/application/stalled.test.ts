/**
 * The stall sweep (run with the hourly reconciliation): licence requests dropped on the way — an API
 * function that died between writing its job and queueing it, a delivery that claimed a batch and died
 * with its message then lost, a sent request whose status poll and notification were both lost — go
 * on an hour later and end as Apple says, each licence sent at most once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestLicenses } from '../../shared/application/licenses/request-licenses.ts';
import { resumeStalled } from '../../shared/application/licenses/resume-stalled.ts';
import type { Clock } from '../../shared/application/ports/clock.ts';
import type { Account } from '../../shared/domain/account.ts';
import type { AssetRecord } from '../../shared/domain/asset.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import type { Job } from '../../shared/domain/job.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let now = new Date();
const clock: Clock = { now: () => now };
const later = (minutes: number) => {
  now = new Date(now.getTime() + minutes * 60_000);
};
let rt: TestRuntime;
let account: Account;
let appleToken: Secret;
const LOCATION = 'stall-main';
const APP = { adamId: '6200000001', pricingParam: 'STDQ' as const };

const appleHolders = () =>
  new Set(
    (rt.simulator.snapshot().locations.find((l) => l.id === LOCATION)?.assignments ?? [])
      .filter((a) => a.adamId === APP.adamId && a.serialNumber)
      .map((a) => a.serialNumber as string),
  );
const asset = async () => (await rt.deps.assets.get(account.id, APP.adamId, APP.pricingParam)) as AssetRecord;

async function devices(serials: string[]) {
  const answer = await rt.call('PUT', '/v1/devices', {
    body: serials.map((serialNumber) => ({ serialNumber, networkId: 'net-1' })),
  });
  expect(answer.status).toBe(200);
}

/** A job of APP for the account, written by hand, stamped now. */
const jobOf = (id: string, type: Job['type'], state: Job['state'], requested: number): Job => ({
  id,
  orgId: account.orgId,
  accountId: account.id,
  type,
  state,
  requested,
  completed: 0,
  failed: 0,
  failures: [],
  summary: { adamId: APP.adamId, pricingParam: APP.pricingParam },
  createdBy: 'test',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
});

/** A job and its one batch as a request leaves them, written by hand. */
async function openBatch(jobId: string, type: 'grant' | 'revocation', serials: string[]) {
  const stamp = now.toISOString();
  await rt.deps.jobs.createWithBatches(jobOf(jobId, type, 'queued', serials.length), [
    {
      jobId,
      index: 0,
      kind: type === 'grant' ? 'grant' : 'revoke',
      orgId: account.orgId,
      accountId: account.id,
      asset: APP,
      source: 'manual',
      subjects: serials.map((id) => ({ type: 'device' as const, id })),
      createdAt: stamp,
    },
  ]);
}

/** Records and a job as a request leaves them, written by hand (the state a dead worker left). */
async function inFlight(
  jobId: string,
  type: Job['type'],
  records: { serial: string; state: 'pending-grant' | 'pending-revoke'; eventId?: string; user?: boolean }[],
  requested = records.length,
) {
  const stamp = now.toISOString();
  await rt.deps.jobs.create(jobOf(jobId, type, 'running', requested));
  for (const r of records) {
    const record: AssignmentRecord = {
      orgId: account.orgId,
      accountId: account.id,
      ...APP,
      subjectType: r.user ? 'user' : 'device',
      subjectId: r.serial,
      state: r.state,
      source: 'manual',
      jobId,
      ...(r.eventId ? { eventId: r.eventId } : {}),
      createdAt: stamp,
      updatedAt: stamp,
    };
    expect(await rt.deps.assignments.transition(record, ['absent', 'granted'])).toBe(true);
  }
}

beforeAll(async () => {
  rt = await startTestRuntime({ overrides: { clock }, simulator: { seed: 'demo', eventDelayMs: 20 } });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'stall-org',
        name: 'Stall Schools',
        locations: [
          {
            id: LOCATION,
            name: 'Stall Main',
            assets: [
              { ...APP, productType: 'App', name: 'Stall App', totalCount: 100, deviceAssignable: true },
            ],
            users: [{ clientUserId: 'stall-u1', email: 'u1@stall.test', status: 'Associated' }],
          },
        ],
      },
    ],
  });
  appleToken = new Secret(seeded.locations[0]?.tokens[0] as string);
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Stalls', email: 'it@demo.test', token: seeded.locations[0]?.tokens[0] },
  });
  expect(created.status).toBe(201);
  await eventually(
    async () => (await rt.deps.syncStates.get(created.body.id))?.lastSyncAt,
    30_000,
    'first sync',
  );
  account = (await rt.deps.accounts.get(created.body.id)) as Account;
});
afterAll(async () => {
  await rt?.stop();
});
beforeEach(() => {
  rt.simulator.clearFaults();
  rt.simulator.resetCalls();
});

describe('the stall sweep', () => {
  it('sends, an hour later, the grants of an API call that died before queueing them, and only then', async () => {
    const serials = ['STALL-A1', 'STALL-A2', 'STALL-A3'];
    await devices(serials);
    const before = await asset();
    // The API function dies after writing the job and its batch, before the queue send.
    const dying = {
      ...rt.deps,
      queue: {
        ...rt.deps.queue,
        send: rt.deps.queue.send.bind(rt.deps.queue),
        sendMany: async () => {
          throw new Error('injected: the function timed out');
        },
      },
    };
    await expect(
      requestLicenses(dying, {
        kind: 'grant',
        account,
        asset: before,
        serialNumbers: serials,
        userIds: [],
        actor: { type: 'system', id: 'test' },
        source: 'manual',
      }),
    ).rejects.toThrow('injected');
    // No record was written; the batch is open, its licences reserved.
    const records = await rt.deps.assignments.listByAsset(account.id, APP.adamId, APP.pricingParam);
    expect(records.filter((r) => serials.includes(r.subjectId))).toEqual([]);
    const [open, ...others] = await rt.deps.jobs.openBatches(account.id, APP);
    expect(others).toEqual([]);
    expect(open?.subjects.map((s) => s.id)).toEqual(serials);
    const jobId = open?.jobId as string;
    expect((await asset()).pendingCount).toBe(before.pendingCount + 3);

    // Half an hour on, it may still be on its way: left alone.
    later(30);
    expect(await resumeStalled(rt.deps)).toEqual({ records: 0, messages: 0 });
    // An hour on, the hourly run sends it.
    later(40);
    await rt.fireSchedule('reconcile');
    expect(await jobEnded(rt, jobId)).toMatchObject({ state: 'succeeded', completed: 3, failed: 0 });
    expect(rt.simulator.calls()['POST assets/associate']).toBe(1);
    expect(serials.every((s) => appleHolders().has(s))).toBe(true);
    await eventually(async () => (await asset()).pendingCount === before.pendingCount, 10_000, 'reservation');
    expect(await resumeStalled(rt.deps)).toMatchObject({ records: 0 });
    expect(await rt.deps.jobs.openBatches(account.id, APP)).toEqual([]);
  });

  it('takes over the claim of a delivery that died, checks Apple, and sends only what Apple does not hold', async () => {
    const serials = ['STALL-B1', 'STALL-B2'];
    await devices(serials);
    // Both held at Apple and by us; a revocation's delivery claimed their batch, had Apple take one
    // back, and died before writing a record; its message was then lost (a DLQ).
    const grant = await rt.call('POST', `/v1/accounts/${account.id}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: serials },
    });
    expect(await jobEnded(rt, grant.body.job.id)).toMatchObject({ state: 'succeeded' });
    await openBatch('stall-revoke-job', 'revocation', serials);
    await rt.deps.jobs.takeBatch('stall-revoke-job', 0, { id: 'claim:dead-message', at: now.toISOString() });
    rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: 'STALL-B1' });
    await rt.simulator.settle();
    rt.simulator.resetCalls();

    // A resumed message never takes a claim made within the hour (a live delivery's).
    await rt.deps.queue.send('revocations', {
      orgId: account.orgId,
      accountId: account.id,
      jobId: 'stall-revoke-job',
      batch: 0,
      resume: true,
    });
    await eventually(async () => (await rt.queueDepth('revocations')) === 0, 10_000, 'the message');
    expect(rt.simulator.calls()['POST assets/disassociate']).toBeUndefined();
    expect((await rt.deps.jobs.batches('stall-revoke-job'))[0]?.claim?.id).toBe('claim:dead-message');

    later(61);
    expect(await resumeStalled(rt.deps)).toEqual({ records: 2, messages: 1 });
    expect(await jobEnded(rt, 'stall-revoke-job')).toMatchObject({ state: 'succeeded', completed: 2 });
    const calls = rt.simulator.calls();
    // Apple's holdings read once; only STALL-B2 sent.
    expect(calls['POST assets/disassociate']).toBe(1);
    expect(serials.some((s) => appleHolders().has(s))).toBe(false);
    const ours = await rt.deps.assignments.listByAsset(account.id, APP.adamId, APP.pricingParam);
    expect(ours.filter((r) => serials.includes(r.subjectId)).map((r) => r.state)).toEqual([
      'revoked',
      'revoked',
    ]);
  });

  it('polls again a sent request whose poll and notification were both lost, and never sends it again', async () => {
    const serial = 'STALL-C1';
    await devices([serial]);
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    const sent = await rt.deps.vpp.associateAssets(appleToken, { assets: [APP], serialNumbers: [serial] });
    const eventId = sent.events[0]?.eventId as string;
    expect(eventId).toBeDefined();
    await rt.deps.assets.reserve(account.id, APP.adamId, APP.pricingParam, 1);
    await inFlight('stall-sent-job', 'grant', [{ serial, state: 'pending-grant', eventId }]);
    await rt.simulator.settle();
    expect(appleHolders().has(serial)).toBe(true);
    rt.simulator.resetCalls();

    later(61);
    await rt.fireSchedule('reconcile');
    expect(await jobEnded(rt, 'stall-sent-job')).toMatchObject({ state: 'succeeded', completed: 1 });
    expect(rt.simulator.calls()['POST assets/associate']).toBeUndefined();
    expect(
      (await rt.deps.assignments.get(account.id, APP.adamId, APP.pricingParam, 'device', serial))?.state,
    ).toBe('granted');
  });
  it('runs again a device removal whose job message was lost, with Apple’s revoke', async () => {
    const serial = 'STALL-D1';
    await devices([serial]);
    const grant = await rt.call('POST', `/v1/accounts/${account.id}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: [serial] },
    });
    expect(await jobEnded(rt, grant.body.job.id)).toMatchObject({ state: 'succeeded' });
    // DELETE /v1/devices marked the holding and removed the device, then died before queueing its job.
    await inFlight('stall-removal-job', 'device-removal', [{ serial, state: 'pending-revoke' }]);
    await rt.deps.devices.remove(account.orgId, serial);
    rt.simulator.resetCalls();

    later(61);
    expect(await resumeStalled(rt.deps)).toEqual({ records: 1, messages: 1 });
    expect(await jobEnded(rt, 'stall-removal-job')).toMatchObject({ state: 'succeeded', completed: 1 });
    expect(rt.simulator.calls()['POST assets/revoke']).toBe(1);
    expect(appleHolders().has(serial)).toBe(false);
  });
  it('runs again a retirement whose job message was lost: Apple’s revoke, then users/retire', async () => {
    const grant = await rt.call('POST', `/v1/accounts/${account.id}/assets/${APP.adamId}/grants`, {
      body: { userIds: ['stall-u1'] },
    });
    expect(grant.status).toBe(202);
    expect(await jobEnded(rt, grant.body.job.id)).toMatchObject({ state: 'succeeded' });
    // The retirement marked the user and its licence, then died before queueing its job.
    const user = await rt.deps.users.get(account.id, 'stall-u1');
    expect(user?.status).toBe('Associated');
    if (!user) return;
    const jobId = 'stall-retire-job';
    expect(
      await rt.deps.users.replace(user, { ...user, pending: { kind: 'retirement', jobId } }),
    ).toBeDefined();
    await inFlight(jobId, 'retirement', [{ serial: 'stall-u1', state: 'pending-revoke', user: true }], 2);
    rt.simulator.resetCalls();

    later(61);
    expect(await resumeStalled(rt.deps)).toEqual({ records: 1, messages: 1 });
    expect(await jobEnded(rt, jobId)).toMatchObject({ state: 'succeeded', completed: 2, failed: 0 });
    const calls = rt.simulator.calls();
    expect(calls['POST assets/revoke']).toBe(1);
    expect(calls['POST users/retire']).toBe(1);
    expect((await rt.deps.users.get(account.id, 'stall-u1'))?.status).toBe('Retired');
  });
});
