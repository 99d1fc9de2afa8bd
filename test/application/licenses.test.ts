/**
 * Grants, revocations and the device inventory through the API and the workers, against the
 * simulator (SPEC §4, §5.4, §5b): every rule with its reason, licences reserved so none is promised
 * twice, events followed without notifications, duplicated and crashed deliveries, and a large run
 * with faults on that ends equal to Apple's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../shared/config/queues.ts';
import {
  type Caller,
  eventually,
  ORG_ADMIN,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
const LOCATION = 'lic-main';
const APP = { adamId: '6000000001', pricingParam: 'STDQ' as const };
const FIVE = { adamId: '6000000002', pricingParam: 'STDQ' as const };
const USER_APP = { adamId: '6000000003', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '6000000004', pricingParam: 'STDQ' as const };
const SCARCE = { adamId: '6000000005', pricingParam: 'STDQ' as const };
const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'v@demo.test' };

async function job(id: string, final = true) {
  return eventually(
    async () => {
      const body = (await rt.call('GET', `/v1/jobs/${id}`)).body;
      return !final || ['succeeded', 'failed', 'partially_failed'].includes(body.state) ? body : undefined;
    },
    60_000,
    `job ${id}`,
  );
}

async function devices(serials: string[], networkId = 'net-1', tags: string[] = []) {
  for (let i = 0; i < serials.length; i += 1000) {
    const answer = await rt.call('PUT', '/v1/devices', {
      body: serials.slice(i, i + 1000).map((serialNumber) => ({ serialNumber, networkId, tags })),
    });
    expect(answer.status).toBe(200);
  }
}

/** A job's failures are all listed, each Apple's partial failure (9603) with its number and reason. */
function expectFailuresOf(body: {
  failed: number;
  failures: { code: string; reason: string; appleError?: { errorNumber: number } }[];
}) {
  expect(body.failed).toBeGreaterThan(0);
  expect(body.failures).toHaveLength(body.failed);
  for (const failure of body.failures)
    expect(failure).toMatchObject({
      code: 'apple.internal',
      reason: expect.any(String),
      appleError: { errorNumber: 9603 },
    });
}

function simAsset(adamId: string) {
  return rt.simulator
    .snapshot()
    .locations.find((l) => l.id === LOCATION)
    ?.assets.find((a) => a.adamId === adamId);
}

beforeAll(async () => {
  rt = await startTestRuntime({ simulator: { seed: 'demo', eventDelayMs: 30 } });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'lic-org',
        name: 'Licence Schools',
        locations: [
          {
            id: LOCATION,
            name: 'Licence Main',
            assets: [
              { ...APP, productType: 'App', name: 'Big App', totalCount: 5_000, deviceAssignable: true },
              { ...FIVE, productType: 'App', name: 'Five Seats', totalCount: 5, deviceAssignable: true },
              {
                ...USER_APP,
                productType: 'App',
                name: 'Users Only',
                totalCount: 50,
                deviceAssignable: false,
              },
              { ...BOOK, productType: 'Book', name: 'A Book', totalCount: 50, deviceAssignable: false },
              { ...SCARCE, productType: 'App', name: 'Scarce', totalCount: 2, deviceAssignable: true },
            ],
            users: [
              { clientUserId: 'u-assoc', email: 'assoc@lic.test', status: 'Associated' },
              { clientUserId: 'u-reg', email: 'reg@lic.test' },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: {
      name: 'Licences',
      email: 'it@demo.test',
      token: seeded.locations[0]?.tokens[0],
      assignableNetworks: ['net-1', 'net-2'],
    },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
  // A user known here only (New), for the rule that only invited users get licences.
  await rt.deps.users.addMany([
    {
      accountId,
      id: 'u-new',
      email: 'new@lic.test',
      tags: [],
      status: 'New',
      source: 'api',
      version: 0,
      createdAt: 'x',
      updatedAt: 'x',
    },
  ]);
});
afterAll(async () => {
  await rt?.stop();
});

describe('the device inventory', () => {
  it('is written by org-admins only, at most 1,000 a call, and read by everyone', async () => {
    const refused = await rt.call('PUT', '/v1/devices', {
      as: VIEWER,
      body: [{ serialNumber: 'V1', networkId: 'net-1' }],
    });
    expect(refused.status).toBe(403);
    const tooMany = await rt.call('PUT', '/v1/devices', {
      body: Array.from({ length: 1001 }, (_, i) => ({ serialNumber: `T${i}`, networkId: 'n' })),
    });
    expect(tooMany.status).toBe(400);
    const bad = await rt.call('PUT', '/v1/devices', {
      body: [{ serialNumber: 'has space', networkId: 'n' }],
    });
    expect(bad.status).toBe(400);
    const put = await rt.call('PUT', '/v1/devices', {
      body: [
        { serialNumber: 'dev-a1', networkId: 'net-1', tags: ['lab'] },
        { serialNumber: 'DEV-A2', networkId: 'net-2', tags: ['lab', 'math'], ownerEmail: 'Assoc@Lic.test' },
        { serialNumber: 'DEV-A3', networkId: 'net-9' },
      ],
    });
    expect(put.body).toEqual({ created: 3, updated: 0 });
    expect(
      (
        await rt.call('PUT', '/v1/devices', {
          body: [{ serialNumber: 'DEV-A1', networkId: 'net-1', tags: ['lab'] }],
        })
      ).body,
    ).toEqual({ created: 0, updated: 1 });
    const lab = await rt.call('GET', '/v1/devices?tag=lab', { as: VIEWER });
    expect(lab.body.items.map((d: { serialNumber: string }) => d.serialNumber)).toEqual(['DEV-A1', 'DEV-A2']);
    const net2 = await rt.call('GET', '/v1/devices?networkId=net-2');
    expect(net2.body.items).toHaveLength(1);
    expect(net2.body.items[0].ownerEmail).toBe('assoc@lic.test');
    const all = (await rt.call('GET', '/v1/devices?limit=100')).body;
    expect(all.nextCursor).toBeUndefined();
    // Paging with the cursor to the end: every device once, in the same order, the last page without a cursor.
    const walked: string[] = [];
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page = await rt.call(
        'GET',
        `/v1/devices?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { as: VIEWER },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.items.map((d: { serialNumber: string }) => d.serialNumber));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(walked).toEqual(all.items.map((d: { serialNumber: string }) => d.serialNumber));
    expect(walked).toEqual(['DEV-A1', 'DEV-A2', 'DEV-A3']);
    expect(pages).toBe(2);
    const labPage = await rt.call('GET', '/v1/devices?tag=lab&limit=1');
    expect(labPage.body.items.map((d: { serialNumber: string }) => d.serialNumber)).toEqual(['DEV-A1']);
    const labNext = await rt.call(
      'GET',
      `/v1/devices?tag=lab&limit=1&cursor=${encodeURIComponent(labPage.body.nextCursor)}`,
    );
    expect(labNext.body.items.map((d: { serialNumber: string }) => d.serialNumber)).toEqual(['DEV-A2']);
    expect(labNext.body.nextCursor).toBeUndefined();
    expect((await rt.call('GET', '/v1/devices/nope')).status).toBe(404);
  });
});

describe('grants and revocations', () => {
  it('grants to devices and users, rejecting each subject that breaks a rule with its reason', async () => {
    const answer = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: {
        serialNumbers: ['DEV-A1', 'dev-a2', 'DEV-A3', 'UNKNOWN-1'],
        userIds: ['u-assoc', 'u-new', 'u-ghost'],
      },
    });
    expect(answer.status).toBe(202);
    const codes = Object.fromEntries(
      answer.body.rejected.map((r: { subject: string; code: string }) => [r.subject, r.code]),
    );
    expect(codes).toEqual({
      'device:DEV-A3': 'device.network_not_assignable',
      'device:UNKNOWN-1': 'device.not_found',
      'user:u-new': 'user.not_invited',
      'user:u-ghost': 'user.not_found',
    });
    expect(answer.body.job).toMatchObject({ type: 'grant', requested: 3, createdBy: ORG_ADMIN.email });
    const done = await job(answer.body.job.id);
    expect(done).toMatchObject({ state: 'succeeded', completed: 3, failed: 0 });
    const holders = await rt.call(
      'GET',
      `/v1/accounts/${accountId}/assets/${APP.adamId}/assignments?state=granted`,
    );
    expect(holders.body.items.map((h: { subjectId: string }) => h.subjectId).sort()).toEqual([
      'DEV-A1',
      'DEV-A2',
      'u-assoc',
    ]);
    expect(holders.body.items.every((h: { source: string }) => h.source === 'manual')).toBe(true);
    const device = await rt.call('GET', '/v1/devices/DEV-A1');
    expect(device.body.licenses).toEqual([
      expect.objectContaining({ adamId: APP.adamId, state: 'granted', accountId }),
    ]);
    const audit = await rt.deps.audit.list('demo', { limit: 50 });
    expect(audit.items.find((e) => e.action === 'license.grant_requested')).toMatchObject({
      actor: { email: ORG_ADMIN.email },
      details: { accepted: 3, rejected: 4 },
    });
  });

  it('refuses a grant already held, a device grant of a user-only app, and 422s when nothing is left', async () => {
    const again = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['DEV-A1'] },
    });
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({
      code: 'license.nothing_to_do',
      details: { rejected: [{ subject: 'device:DEV-A1', code: 'license.already_assigned' }] },
    });
    const userOnly = await rt.call('POST', `/v1/accounts/${accountId}/assets/${USER_APP.adamId}/grants`, {
      body: { serialNumbers: ['DEV-A1'] },
    });
    expect(userOnly.body.error.details.rejected[0].code).toBe('asset.not_device_assignable');
    expect(
      (
        await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
          as: VIEWER,
          body: { serialNumbers: ['DEV-A1'] },
        })
      ).status,
    ).toBe(403);
    expect(
      (await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, { body: {} })).status,
    ).toBe(400);
  });

  it('never revokes a book, and takes back only the one asset revoked', async () => {
    await rt.call('POST', `/v1/accounts/${accountId}/assets/${BOOK.adamId}/grants`, {
      body: { userIds: ['u-assoc'] },
    });
    const bookGrant = await eventually(
      async () =>
        (await rt.deps.assignments.get(accountId, BOOK.adamId, 'STDQ', 'user', 'u-assoc'))?.state ===
        'granted',
      30_000,
      'book granted',
    );
    expect(bookGrant).toBe(true);
    const book = await rt.call('POST', `/v1/accounts/${accountId}/assets/${BOOK.adamId}/revocations`, {
      body: { userIds: ['u-assoc'] },
    });
    expect(book.status).toBe(422);
    expect(book.body.error.code).toBe('asset.irrevocable');
    const revoked = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/revocations`, {
      body: { userIds: ['u-assoc'], serialNumbers: ['DEV-A3'] },
    });
    expect(revoked.status).toBe(202);
    expect(revoked.body.rejected).toEqual([
      expect.objectContaining({ subject: 'device:DEV-A3', code: 'license.not_assigned' }),
    ]);
    expect(await job(revoked.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    expect((await rt.deps.assignments.get(accountId, APP.adamId, 'STDQ', 'user', 'u-assoc'))?.state).toBe(
      'revoked',
    );
    const audit = await rt.deps.audit.list('demo', { limit: 50 });
    expect(audit.items.find((e) => e.action === 'license.revoke_requested')).toMatchObject({
      actor: { email: ORG_ADMIN.email },
      target: `asset:${accountId}/${APP.adamId}`,
      details: { jobId: revoked.body.job.id, accepted: 1, rejected: 1, subjects: ['user:u-assoc'] },
    });
    const apple = rt.simulator.snapshot().locations.find((l) => l.id === LOCATION)?.assignments ?? [];
    expect(apple.some((a) => a.adamId === BOOK.adamId && a.clientUserId === 'u-assoc')).toBe(true);
    expect(apple.some((a) => a.adamId === APP.adamId && a.clientUserId === 'u-assoc')).toBe(false);
  });

  it('20 concurrent requests for an asset with 5 free licences: exactly 5 granted, 15 licenses.exhausted', async () => {
    const serials = Array.from({ length: 20 }, (_, i) => `RACE-${i}`);
    await devices(serials);
    const answers = await Promise.all(
      serials.map((serial) =>
        rt.call('POST', `/v1/accounts/${accountId}/assets/${FIVE.adamId}/grants`, {
          body: { serialNumbers: [serial] },
        }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 422);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(15);
    expect(refused.every((a) => a.body.error.details.rejected[0].code === 'licenses.exhausted')).toBe(true);
    for (const a of accepted) expect((await job(a.body.job.id)).state).toBe('succeeded');
    expect(simAsset(FIVE.adamId)).toMatchObject({ assignedCount: 5, availableCount: 0 });
    const asset = await rt.deps.assets.get(accountId, FIVE.adamId, 'STDQ');
    expect(asset).toMatchObject({ pendingCount: 0, availableCount: 0, assignedCount: 5 });
  });

  it('gives the reservation back when Apple refuses (9709: its licences went elsewhere)', async () => {
    // Apple's two licences go to devices of another MDM; nothing tells us (no notification) until a sync.
    rt.simulator.externalAssign(LOCATION, SCARCE, { serialNumber: 'ELSEWHERE-1' });
    rt.simulator.externalAssign(LOCATION, SCARCE, { serialNumber: 'ELSEWHERE-2' });
    expect(simAsset(SCARCE.adamId)).toMatchObject({ availableCount: 0 });
    expect(await rt.deps.assets.get(accountId, SCARCE.adamId, 'STDQ')).toMatchObject({
      availableCount: 2,
      pendingCount: 0,
    });
    await devices(['REFUSE-1', 'REFUSE-2']);
    const answer = await rt.call('POST', `/v1/accounts/${accountId}/assets/${SCARCE.adamId}/grants`, {
      body: { serialNumbers: ['REFUSE-1', 'REFUSE-2'] },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.rejected).toEqual([]);
    const done = await job(answer.body.job.id);
    expect(done).toMatchObject({ state: 'failed', requested: 2, completed: 0, failed: 2 });
    expect(done.failures).toHaveLength(2);
    for (const failure of done.failures)
      expect(failure).toMatchObject({
        code: 'apple.not_enough_licenses',
        reason: expect.stringContaining('no licence left'),
        appleError: { errorNumber: 9709 },
      });
    expect(
      (await rt.deps.assignments.get(accountId, SCARCE.adamId, 'STDQ', 'device', 'REFUSE-1'))?.state,
    ).toBe('failed');
    // Both reservations are back, and the counts are Apple's, re-read after the refusal: none free.
    expect(await rt.deps.assets.get(accountId, SCARCE.adamId, 'STDQ')).toMatchObject({
      pendingCount: 0,
      availableCount: 0,
      assignedCount: 2,
    });
    // Without a sync, nothing is free now and a grant is refused before reaching Apple.
    const again = await rt.call('POST', `/v1/accounts/${accountId}/assets/${SCARCE.adamId}/grants`, {
      body: { serialNumbers: ['REFUSE-1'] },
    });
    expect(again.status).toBe(422);
    expect(again.body.error.details.rejected[0].code).toBe('licenses.exhausted');
  });
});

describe('delivery and faults', () => {
  it('follows the event by polling when every notification is lost', async () => {
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    await devices(['POLL-1', 'POLL-2']);
    const answer = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['POLL-1', 'POLL-2'] },
    });
    const done = await job(answer.body.job.id);
    rt.simulator.clearFaults();
    expect(done).toMatchObject({ state: 'succeeded', completed: 2 });
  });

  it('assigns once when a queue message is delivered twice', async () => {
    await devices(['DUP-1']);
    rt.simulator.resetCalls();
    const answer = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['DUP-1'] },
    });
    const message = { orgId: 'demo', accountId, jobId: answer.body.job.id, batch: 0 };
    await rt.deps.queue.send('grants', message);
    await rt.deps.queue.send('grants', message);
    const done = await job(answer.body.job.id);
    expect(done).toMatchObject({ state: 'succeeded', completed: 1, requested: 1 });
    expect(rt.simulator.calls()['POST assets/associate']).toBe(1);
  });

  it('survives a worker that loses Apple’s answer: it checks Apple before sending again', async () => {
    await devices(['LOST-1']);
    rt.simulator.setFaults({
      rules: [{ endpoint: 'POST assets/associate', kind: 'accept_then_fail', times: 1 }],
    });
    rt.simulator.resetCalls();
    const before = simAsset(APP.adamId)?.assignedCount ?? 0;
    const answer = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['LOST-1'] },
    });
    const done = await job(answer.body.job.id);
    expect(done).toMatchObject({ state: 'succeeded', completed: 1 });
    expect(rt.simulator.calls()['POST assets/associate']).toBe(1);
    expect(simAsset(APP.adamId)?.assignedCount).toBe(before + 1);
  });

  it('removing a device reclaims its licences in every account with Apple’s revoke', async () => {
    // A second account (the demo organisation's north location), where DEV-A1 gets an app too.
    const north = await rt.call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'north@demo.test', token: rt.tokenFile('demo-north') },
    });
    expect(north.status).toBe(201);
    const northId: string = north.body.id;
    await eventually(async () => (await rt.deps.syncStates.get(northId))?.lastSyncAt, 30_000, 'north sync');
    const NORTH_APP = '361309726';
    const northGrant = await rt.call('POST', `/v1/accounts/${northId}/assets/${NORTH_APP}/grants`, {
      body: { serialNumbers: ['DEV-A1'] },
    });
    expect(northGrant.status).toBe(202);
    expect((await job(northGrant.body.job.id)).state).toBe('succeeded');
    const held = (await rt.call('GET', '/v1/devices/DEV-A1')).body.licenses;
    expect(held.map((l: { accountId: string }) => l.accountId).sort()).toEqual([accountId, northId].sort());

    const holds = (locationId: string, adamId: string) =>
      (rt.simulator.snapshot().locations.find((l) => l.id === locationId)?.assignments ?? []).some(
        (a) => a.adamId === adamId && a.serialNumber === 'DEV-A1',
      );
    const available = (locationId: string, adamId: string) =>
      rt.simulator
        .snapshot()
        .locations.find((l) => l.id === locationId)
        ?.assets.find((a) => a.adamId === adamId)?.availableCount ?? 0;
    expect(holds(LOCATION, APP.adamId) && holds('demo-north', NORTH_APP)).toBe(true);
    const before = { main: available(LOCATION, APP.adamId), north: available('demo-north', NORTH_APP) };
    rt.simulator.resetCalls();

    const removed = await rt.call('DELETE', '/v1/devices/DEV-A1');
    expect(removed.status).toBe(202);
    expect(await job(removed.body.job.id)).toMatchObject({
      type: 'device-removal',
      state: 'succeeded',
      requested: 2,
      completed: 2,
      failed: 0,
    });
    expect((await rt.call('GET', '/v1/devices/DEV-A1')).status).toBe(404);
    // One assets/revoke per account, nothing disassociated one by one.
    const calls = rt.simulator.calls();
    expect(calls['POST assets/revoke']).toBe(2);
    expect(calls['POST assets/disassociate']).toBeUndefined();
    expect(holds(LOCATION, APP.adamId)).toBe(false);
    expect(holds('demo-north', NORTH_APP)).toBe(false);
    expect(available(LOCATION, APP.adamId)).toBe(before.main + 1);
    expect(available('demo-north', NORTH_APP)).toBe(before.north + 1);
    expect((await rt.deps.assignments.get(accountId, APP.adamId, 'STDQ', 'device', 'DEV-A1'))?.state).toBe(
      'revoked',
    );
    expect((await rt.deps.assignments.get(northId, NORTH_APP, 'STDQ', 'device', 'DEV-A1'))?.state).toBe(
      'revoked',
    );
    const audit = await rt.deps.audit.list('demo', { limit: 50 });
    expect(audit.items.find((e) => e.action === 'device.removed')).toMatchObject({
      actor: { email: ORG_ADMIN.email },
      target: 'device:DEV-A1',
      details: { jobId: removed.body.job.id, licencesToReclaim: 2 },
    });
  });

  it('grants and revokes thousands with faults on, and ends equal to Apple with every failure visible', async () => {
    const serials = Array.from({ length: 2_500 }, (_, i) => `BULK-${String(i).padStart(5, '0')}`);
    await devices(serials);
    const earlierNotifications = new Set(rt.simulator.snapshot().notifications.map((n) => n.notificationId));
    rt.simulator.resetCalls();
    rt.simulator.setFaults({
      rules: [
        // Sure to fire (the random ones below may spare the few write calls): one throttled associate,
        // one disassociate answered 503 with Retry-After.
        { endpoint: 'POST assets/associate', kind: 'throttle', times: 1, retryAfter: '0' },
        {
          endpoint: 'POST assets/disassociate',
          kind: 'server_error',
          status: 503,
          errorNumber: 9729,
          times: 1,
          retryAfter: '0',
        },
        { kind: 'throttle', probability: 0.1, retryAfter: '0' },
        { kind: 'server_error', status: 503, errorNumber: 9729, probability: 0.1, retryAfter: '0' },
      ],
      notifications: { dropProbability: 0.3, duplicateProbability: 0.3, delayMs: 200 },
      events: { taskFailureProbability: 0.02 },
    });
    const granted = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: serials },
    });
    expect(granted.status).toBe(202);
    const grantJob = await job(granted.body.job.id);
    expect(grantJob.completed + grantJob.failed).toBe(2_500);
    // Apple's partial event failures (9603, 2 % of tasks) are each in the job, with number and reason.
    expectFailuresOf(grantJob);
    expect(grantJob.state).toBe('partially_failed');
    // 2,500 serial numbers take 3 associate calls; the throttled one (at least) was sent again.
    expect(rt.simulator.calls()['POST assets/associate']).toBeGreaterThan(3);
    const revoked = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/revocations`, {
      body: { serialNumbers: serials.slice(0, 800) },
    });
    expect(revoked.status).toBe(202);
    // Those whose grant failed are not held: rejected, not sent.
    expect(revoked.body.rejected).toHaveLength(
      grantJob.failures.filter((f: { subject: string }) => serials.slice(0, 800).includes(f.subject.slice(7)))
        .length,
    );
    const revokeJob = await job(revoked.body.job.id);
    expect(revokeJob.completed + revokeJob.failed).toBe(revoked.body.job.requested);
    expectFailuresOf(revokeJob);
    // 800 or fewer serial numbers take one disassociate call; the one answered 503 was sent again.
    expect(rt.simulator.calls()['POST assets/disassociate']).toBeGreaterThan(1);
    rt.simulator.clearFaults();
    await rt.simulator.settle();
    // Notifications were lost and repeated, so the events were followed by polling too.
    const deliveries = rt.simulator
      .snapshot()
      .notifications.filter((n) => !earlierNotifications.has(n.notificationId));
    expect(deliveries.filter((n) => n.outcome === 'dropped').length).toBeGreaterThan(0);
    expect(deliveries.filter((n) => n.duplicated).length).toBeGreaterThan(0);
    expect(rt.simulator.calls()['GET status']).toBeGreaterThan(0);

    // Our holdings equal Apple's, for this asset.
    const apple = new Set(
      (rt.simulator.snapshot().locations.find((l) => l.id === LOCATION)?.assignments ?? [])
        .filter((a) => a.adamId === APP.adamId && a.serialNumber)
        .map((a) => a.serialNumber),
    );
    const ours = (await rt.deps.assignments.listByAsset(accountId, APP.adamId, 'STDQ')).filter(
      (a) => a.subjectType === 'device',
    );
    expect(ours.filter((a) => a.state === 'pending-grant' || a.state === 'pending-revoke')).toEqual([]);
    expect(new Set(ours.filter((a) => a.state === 'granted').map((a) => a.subjectId))).toEqual(apple);
    // Every failure is visible in its job: a failed grant is a failed record, a refused revocation a
    // record still granted with Apple's error.
    const bulk = ours.filter((a) => a.subjectId.startsWith('BULK-'));
    expect(new Set(bulk.filter((a) => a.state === 'failed').map((a) => `device:${a.subjectId}`))).toEqual(
      new Set(grantJob.failures.map((f: { subject: string }) => f.subject)),
    );
    expect(
      new Set(bulk.filter((a) => a.state === 'granted' && a.error).map((a) => `device:${a.subjectId}`)),
    ).toEqual(new Set(revokeJob.failures.map((f: { subject: string }) => f.subject)));
    const asset = await rt.deps.assets.get(accountId, APP.adamId, 'STDQ');
    expect(asset?.pendingCount).toBe(0);
    expect(asset?.assignedCount).toBe(simAsset(APP.adamId)?.assignedCount);
    for (const queue of QUEUES) expect(await rt.queueDepth(queue.id, 'dlq'), `${queue.id} DLQ`).toBe(0);
  }, 240_000);
});
