/**
 * Licence sync and Apple's notifications (SPEC §5.3, §5.6) against the simulator: synced state equals
 * Apple's after random changes made elsewhere and with faults on; a sync with nothing new makes one
 * read per endpoint and one write; operations in flight are left alone; notifications late, repeated
 * or lost end in the same state.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../functions/local/apple-simulator/index.ts';
import { applyAppleNotification } from '../../shared/application/notifications/apply-apple-notification.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { countWrites, type WriteCounter } from '../support/write-counter.ts';

let rt: TestRuntime;
let writes: WriteCounter;
let accountId: string;
let appleToken: Secret;

const LOCATION = 'sync-main';
const OTHER = 'sync-other';
const APP = { adamId: '2000000001', pricingParam: 'STDQ' as const };
const SCARCE = { adamId: '2000000002', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '2000000003', pricingParam: 'STDQ' as const };
const BOOK_PLUS = { adamId: '2000000003', pricingParam: 'PLUS' as const };

function seed() {
  const serials = Array.from({ length: 60 }, (_, i) => `SYNC${String(i).padStart(4, '0')}`);
  return {
    organizations: [
      {
        id: 'sync-org',
        name: 'Sync Schools',
        managedAppleIdDomain: 'sync.appleaccount.example',
        locations: [
          {
            id: LOCATION,
            name: 'Sync Main',
            assets: [
              {
                ...APP,
                productType: 'App' as const,
                name: 'Big App',
                totalCount: 500,
                deviceAssignable: true,
              },
              {
                ...SCARCE,
                productType: 'App' as const,
                name: 'Scarce App',
                totalCount: 5,
                deviceAssignable: true,
              },
              {
                ...BOOK,
                productType: 'Book' as const,
                name: 'Reader',
                totalCount: 30,
                deviceAssignable: false,
              },
              {
                ...BOOK_PLUS,
                productType: 'Book' as const,
                name: 'Reader HQ',
                totalCount: 10,
                deviceAssignable: false,
              },
            ],
            users: [
              { clientUserId: 'u-1', email: 'one@sync.test' },
              { clientUserId: 'u-2', email: 'two@sync.test', status: 'Associated' as const },
              { clientUserId: 'u-3', email: 'three@sync.test', status: 'Retired' as const },
            ],
            assignments: [
              ...serials.map((serialNumber) => ({ ...APP, serialNumber })),
              { ...BOOK, clientUserId: 'u-2' },
              { ...SCARCE, serialNumber: 'SYNC0001' },
            ],
          },
          {
            id: OTHER,
            name: 'Sync Other',
            assets: [
              {
                ...APP,
                productType: 'App' as const,
                name: 'Big App',
                totalCount: 100,
                deviceAssignable: true,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Our state compared with the simulator's, field by field. */
async function expectSameAsApple() {
  const location = rt.simulator.snapshot().locations.find((l) => l.id === LOCATION);
  if (!location) throw new Error('no location');
  const ours = await rt.deps.assets.listByAccount(accountId);
  expect(ours.map((a) => `${a.adamId}:${a.pricingParam}`).sort()).toEqual(
    location.assets.map((a) => `${a.adamId}:${a.pricingParam}`).sort(),
  );
  for (const apple of location.assets) {
    const asset = ours.find((a) => a.adamId === apple.adamId && a.pricingParam === apple.pricingParam);
    expect(asset, `${apple.adamId}`).toMatchObject({
      totalCount: apple.totalCount,
      assignedCount: apple.assignedCount,
      availableCount: apple.availableCount,
      retiredCount: apple.retiredCount,
      deviceAssignable: apple.deviceAssignable,
      revocable: apple.revocable,
    });
  }
  const held = (await rt.deps.assignments.listByAccount(accountId)).filter((a) => a.state === 'granted');
  const key = (a: { adamId: string; pricingParam: string; serialNumber?: string; clientUserId?: string }) =>
    `${a.adamId}:${a.pricingParam}:${a.serialNumber ? `device:${a.serialNumber}` : `user:${a.clientUserId}`}`;
  expect(held.map((a) => `${a.adamId}:${a.pricingParam}:${a.subjectType}:${a.subjectId}`).sort()).toEqual(
    location.assignments.map(key).sort(),
  );
  const users = await rt.deps.users.listByAccount(accountId);
  const expected = new Map<string, string>();
  for (const u of location.users) {
    if (u.status !== 'Retired' || !expected.has(u.clientUserId)) expected.set(u.clientUserId, u.status);
  }
  const mapped: Record<string, string> = {
    Registered: 'Invited',
    Associated: 'Associated',
    Retired: 'Retired',
    Deleted: 'Retired',
  };
  for (const [id, status] of expected)
    expect(users.find((u) => u.id === id)?.status, id).toBe(mapped[status]);
}

/** Every job record in the table (a scheduled sync with nothing new must add none). */
async function jobIds(): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await rt.clients.dynamo.send(
      new ScanCommand({
        TableName: rt.tables.core,
        FilterExpression: 'begins_with(pk, :job) AND sk = :sk',
        ExpressionAttributeValues: { ':job': 'JOB#', ':sk': 'JOB' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    ids.push(...(page.Items ?? []).map((item) => String(item.pk)));
    start = page.LastEvaluatedKey;
  } while (start);
  return ids.sort();
}

/** The audit entries about one target, newest first. */
async function auditOf(target: string) {
  return (await rt.deps.audit.list('demo', { limit: 500 })).items.filter((e) => e.target === target);
}

async function syncNow(full = false) {
  const started = await rt.call('POST', `/v1/accounts/${accountId}/sync${full ? '?full=true' : ''}`);
  expect(started.status).toBe(202);
  return eventually(
    async () => {
      const job = (await rt.call('GET', `/v1/jobs/${started.body.job.id}`)).body;
      if (job.state === 'failed') throw new Error(`sync failed: ${JSON.stringify(job.failures)}`);
      return job.state === 'succeeded' ? job : undefined;
    },
    60_000,
    'the sync job',
  );
}

/**
 * Every notification the simulator means to send has been sent: none pending (late ones included),
 * and a repeated one sent again after its first success.
 */
function deliveriesDone(): boolean {
  return rt.simulator.snapshot().notifications.every((n) => {
    if (n.outcome === 'pending') return false;
    if (!n.duplicated) return true;
    const firstOk = n.attempts.findIndex((a) => (a.status ?? 0) >= 200 && (a.status ?? 0) < 300);
    return firstOk < n.attempts.length - 1;
  });
}

beforeAll(async () => {
  rt = await startTestRuntime({
    simulator: { pageSize: 25, seed: 'demo' },
  });
  const seeded = rt.simulator.seed(seed());
  const file = seeded.locations.find((l) => l.id === LOCATION)?.tokens[0] ?? '';
  appleToken = new Secret(file);
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Sync', email: 'sync@demo.test', token: file },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  writes = countWrites(rt.clients.dynamo);
  await eventually(
    async () => (await rt.deps.syncStates.get(accountId))?.lastFullSyncAt,
    30_000,
    'the first sync',
  );
});
afterAll(async () => {
  await rt?.stop();
});

describe('the first sync', () => {
  it('copies assets, users and holdings, and names the assets', async () => {
    await expectSameAsApple();
    const assets = await rt.deps.assets.listByAccount(accountId);
    expect(assets.find((a) => a.adamId === APP.adamId)).toMatchObject({
      name: 'Big App',
      iconUrl: expect.stringContaining('/artwork/'),
    });
    const apple = (await rt.deps.assignments.listByAccount(accountId)).filter((a) => a.source === 'apple');
    expect(apple).toHaveLength(62);
  });
});

describe('a sync with nothing new', () => {
  it('makes one read per endpoint, writes only the sync record and leaves no job', async () => {
    const before = await rt.deps.syncStates.get(accountId);
    const jobsBefore = await jobIds();
    rt.simulator.resetCalls();
    writes.reset();
    await rt.fireSchedule('nightly-sync');
    await eventually(
      async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt !== before?.lastSyncAt,
      20_000,
      'the nightly sync',
    );
    // The worker is done with the message only once nothing is left on the jobs queue.
    await eventually(async () => (await rt.queueDepth('jobs')) === 0, 20_000, 'the jobs queue');
    // The demo org has no other account: every call is this account's. Apple's service configuration
    // is still cached from the first sync, and a sync does not read the client configuration: no
    // `GET service/config`, `GET client/config`, lookup or write of any kind.
    expect(rt.simulator.calls()).toEqual({
      'GET users': 1,
      'GET assets': 1,
      'GET assignments': 1,
    });
    expect(writes.byCommand()).toEqual({ PutItemCommand: 1 });
    expect(writes.total()).toBe(1);
    expect(await jobIds()).toEqual(jobsBefore);
  });
});

describe('drift', () => {
  const held = async (serial: string, asset = APP) =>
    (await rt.deps.assignments.get(accountId, asset.adamId, asset.pricingParam, 'device', serial))?.state;

  it('finds holdings made elsewhere and, from the counts, removals in an ordinary sync', async () => {
    rt.simulator.externalAssign(LOCATION, APP, { serialNumber: 'ELSEWHERE-1' });
    rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: 'SYNC0005' });
    rt.simulator.resetCalls();
    const incremental = await syncNow();
    // The incremental read finds ELSEWHERE-1; Apple's count (unchanged: one in, one out) then differs
    // from our holders, so the asset's holders are read again and SYNC0005 is found gone.
    expect(incremental.summary.drift).toMatchObject({
      full: false,
      assignments: { foundAtApple: 1, goneAtApple: 1, reread: [APP] },
    });
    // The incremental read (one page), then APP's 60 holders in pages of 25.
    expect(rt.simulator.calls()['GET assignments']).toBe(1 + Math.ceil(60 / 25));
    expect(await held('SYNC0005')).toBe('revoked');
    await expectSameAsApple();
    const full = await syncNow(true);
    expect(full.summary.drift).toMatchObject({
      full: true,
      assignments: { foundAtApple: 0, goneAtApple: 0, reread: [] },
    });
  });

  it('repairs a licence taken back elsewhere when a job that changed the asset ends, without a sync', async () => {
    expect(
      (await rt.call('PUT', '/v1/devices', { body: [{ serialNumber: 'DRIFT-1', networkId: 'n' }] })).status,
    ).toBe(200);
    rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: 'SYNC0007' });
    const granted = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/grants`, {
      body: { serialNumbers: ['DRIFT-1'] },
    });
    expect(granted.status).toBe(202);
    await eventually(
      async () => (await held('SYNC0007')) === 'revoked',
      30_000,
      'the drift check at the job end',
    );
    expect(await held('DRIFT-1')).toBe('granted');
    const asset = await rt.deps.assets.get(accountId, APP.adamId, APP.pricingParam);
    expect(asset?.holderCount).toBe(asset?.assignedCount);
    await expectSameAsApple();
  });

  it('reads no assignment of any asset and writes nothing more when the counts agree', async () => {
    await syncNow();
    // The last test's job may still have an event poll or a notification on its way: let it land.
    await eventually(
      async () => {
        await rt.simulator.settle();
        for (const q of QUEUES) if ((await rt.queueDepth(q.id)) > 0) return false;
        return true;
      },
      30_000,
      'every queue drained',
    );
    rt.simulator.resetCalls();
    writes.reset();
    const job = await syncNow();
    expect(job.summary.drift.assignments).toMatchObject({ foundAtApple: 0, goneAtApple: 0, reread: [] });
    expect(rt.simulator.calls()['GET assignments']).toBe(1);
    // The incremental read found nothing, so no holding is read; the counts agree, so no asset's
    // holdings are listed; nothing of an asset or a holding is written.
    const tables = writes.byTable();
    expect(tables[rt.tables.assignments ?? 'assignments']).toBeUndefined();
    expect(tables[rt.tables.assets ?? 'assets']?.writes ?? 0).toBe(0);
  });

  it('falls back to a full pass when Apple no longer knows the version (9721)', async () => {
    const state = await rt.deps.syncStates.get(accountId);
    if (!state) throw new Error('no sync state');
    await rt.deps.syncStates.put({
      ...state,
      usersVersionId: 'forgotten',
      assignmentsVersionId: 'forgotten',
    });
    const job = await syncNow();
    expect(job.summary.drift.full).toBe(true);
  });

  it('does not count a full pass whose read kept changing: the next sync runs full and repairs', async () => {
    rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: 'SYNC0006' });
    rt.simulator.setFaults({ versionChangeBetweenPages: true });
    const unstable = await syncNow(true);
    rt.simulator.clearFaults();
    expect(unstable.summary.drift).toMatchObject({
      full: true,
      unstableRead: true,
      assignments: { goneAtApple: 0 },
    });
    expect(await held('SYNC0006')).toBe('granted');
    expect((await rt.deps.syncStates.get(accountId))?.lastFullSyncAt).toBeUndefined();

    const next = await syncNow();
    expect(next.summary.drift).toMatchObject({
      full: true,
      unstableRead: false,
      assignments: { goneAtApple: 1 },
    });
    expect(await held('SYNC0006')).toBe('revoked');
    const state = await rt.deps.syncStates.get(accountId);
    expect(state?.lastFullSyncAt).toBe(state?.lastSyncAt);
    expect((await syncNow()).summary.drift.full).toBe(false);
  });

  it('never touches an operation in flight', async () => {
    const now = new Date().toISOString();
    const inFlight: AssignmentRecord[] = [
      // Apple does not have it yet: a grant in flight must not be marked gone.
      {
        orgId: 'demo',
        accountId,
        ...SCARCE,
        subjectType: 'device',
        subjectId: 'FLIGHT-1',
        state: 'pending-grant',
        source: 'manual',
        eventId: 'ev-1',
        createdAt: now,
        updatedAt: now,
      },
      // Apple still has it: a revocation in flight must not be marked granted.
      {
        orgId: 'demo',
        accountId,
        ...APP,
        subjectType: 'device',
        subjectId: 'SYNC0010',
        state: 'pending-revoke',
        source: 'manual',
        eventId: 'ev-2',
        createdAt: now,
        updatedAt: now,
      },
    ];
    await rt.deps.assignments.putMany(inFlight);
    const job = await syncNow(true);
    expect(job.summary.drift.assignments.inFlightLeftAlone).toBe(1);
    expect(
      (await rt.deps.assignments.get(accountId, SCARCE.adamId, SCARCE.pricingParam, 'device', 'FLIGHT-1'))
        ?.state,
    ).toBe('pending-grant');
    expect(
      (await rt.deps.assignments.get(accountId, APP.adamId, APP.pricingParam, 'device', 'SYNC0010'))?.state,
    ).toBe('pending-revoke');
    // Settle them back as Apple's state says, for the tests that follow.
    await rt.deps.assignments.putMany([
      { ...(inFlight[0] as AssignmentRecord), state: 'revoked', eventId: undefined },
      { ...(inFlight[1] as AssignmentRecord), state: 'granted', eventId: undefined },
    ]);
  });
});

describe('notifications', () => {
  it('re-reads the counts on ASSET_COUNT instead of adding the delta, even when it arrives twice or late', async () => {
    rt.simulator.setFaults({ notifications: { duplicateProbability: 1, delayMs: 300 } });
    rt.simulator.purchase(LOCATION, APP, 25);
    rt.simulator.transfer(LOCATION, OTHER, APP, 10);
    await rt.simulator.settle();
    const total = rt.simulator
      .snapshot()
      .locations.find((l) => l.id === LOCATION)
      ?.assets.find((a) => a.adamId === APP.adamId)?.totalCount;
    expect(total).toBe(515);
    await eventually(
      async () => (await rt.deps.assets.get(accountId, APP.adamId, APP.pricingParam))?.totalCount === 515,
      20_000,
      'counts re-read',
    );
    // Every delivery, the repeats and the late ones included, has been taken in and applied.
    await eventually(
      async () => deliveriesDone() && (await rt.queueDepth('notifications')) === 0,
      20_000,
      'every ASSET_COUNT delivery applied',
    );
    expect((await rt.deps.assets.get(accountId, APP.adamId, APP.pricingParam))?.totalCount).toBe(515);
    rt.simulator.clearFaults();
  });

  it('moves a user to Associated on USER_ASSOCIATED, and a lost notification is repaired by the next sync; both audited', async () => {
    rt.simulator.acceptInvitation(LOCATION, 'u-1', 'one@icloud.example');
    await rt.simulator.settle();
    await eventually(
      async () => (await rt.deps.users.get(accountId, 'u-1'))?.status === 'Associated',
      20_000,
      'USER_ASSOCIATED',
    );
    const fromNotification = await eventually(
      async () => (await auditOf(`user:${accountId}/u-1`)).find((e) => e.action === 'user.associated'),
      20_000,
      'the audit entry',
    );
    expect(fromNotification).toMatchObject({
      actor: { type: 'apple', id: 'user-management' },
      result: 'succeeded',
      details: { from: 'Invited', to: 'Associated' },
    });

    // u-4 is invited (the sync finds it), then accepts while every notification is lost.
    await rt.deps.vpp.createUsers(appleToken, [{ clientUserId: 'u-4', email: 'four@sync.test' }]);
    await rt.simulator.settle();
    await syncNow();
    expect((await rt.deps.users.get(accountId, 'u-4'))?.status).toBe('Invited');
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    rt.simulator.acceptInvitation(LOCATION, 'u-4');
    await rt.simulator.settle();
    rt.simulator.clearFaults();
    expect((await rt.deps.users.get(accountId, 'u-4'))?.status).toBe('Invited');
    const job = await syncNow();
    expect(job.summary.drift.users).toEqual({ added: 0, updated: 1 });
    expect((await rt.deps.users.get(accountId, 'u-4'))?.status).toBe('Associated');
    expect(await auditOf(`user:${accountId}/u-4`)).toEqual([
      expect.objectContaining({
        actor: { type: 'apple', id: 'sync' },
        action: 'user.associated',
        result: 'succeeded',
        details: { from: 'Invited', to: 'Associated' },
      }),
    ]);
  });

  it('ends in Apple’s state whatever order ASSET_MANAGEMENT notifications come in, even after a sync saw their result', async () => {
    const earlier = new Set(rt.simulator.snapshot().notifications.map((n) => n.notificationId));
    // Another tool with the same token works on two devices while every notification is held back.
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    const steps: [boolean, string][] = [
      [true, 'LATE-1'],
      [false, 'LATE-1'],
      [true, 'LATE-1'],
      [true, 'LATE-2'],
      [false, 'LATE-2'],
    ];
    for (const [associate, serial] of steps) {
      const request = { assets: [APP], serialNumbers: [serial] };
      const submitted = associate
        ? await rt.deps.vpp.associateAssets(appleToken, request)
        : await rt.deps.vpp.disassociateAssets(appleToken, request);
      expect(submitted.events).toHaveLength(1);
      await rt.simulator.settle();
    }
    rt.simulator.clearFaults();
    const held = rt.simulator.snapshot().notifications.filter((n) => !earlier.has(n.notificationId));
    expect(held.map((n) => `${n.notificationType}:${n.outcome}`)).toEqual(
      steps.map(() => 'ASSET_MANAGEMENT:dropped'),
    );
    const state = async (serial: string) =>
      (await rt.deps.assignments.get(accountId, APP.adamId, APP.pricingParam, 'device', serial))?.state;
    // The sync sees the result first: LATE-1 is held, LATE-2 is not.
    await syncNow();
    expect(await state('LATE-1')).toBe('granted');
    expect(await state('LATE-2')).toBeUndefined();

    // Then the notifications come, late, newest first, and one of them twice.
    const late = [...held].reverse();
    for (const n of [...late, late[3]]) {
      expect(await applyAppleNotification(rt.deps, accountId, n?.envelope)).toBe('applied');
    }
    expect(await state('LATE-1')).toBe('granted');
    expect(await state('LATE-2')).not.toBe('granted');
    await expectSameAsApple();
  });

  it('re-reads the counts whatever order ASSET_COUNT notifications come in (an older one after a newer one)', async () => {
    const earlier = new Set(rt.simulator.snapshot().notifications.map((n) => n.notificationId));
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    rt.simulator.purchase(LOCATION, SCARCE, 2);
    rt.simulator.purchase(LOCATION, SCARCE, 3);
    rt.simulator.refund(LOCATION, SCARCE, 1);
    await rt.simulator.settle();
    rt.simulator.clearFaults();
    const held = rt.simulator.snapshot().notifications.filter((n) => !earlier.has(n.notificationId));
    expect(held.map((n) => (n.envelope.notification as { countDelta: number }).countDelta)).toEqual([
      2, 3, -1,
    ]);
    const apple = rt.simulator
      .snapshot()
      .locations.find((l) => l.id === LOCATION)
      ?.assets.find((a) => a.adamId === SCARCE.adamId && a.pricingParam === SCARCE.pricingParam);
    const counts = async () => {
      const ours = await rt.deps.assets.get(accountId, SCARCE.adamId, SCARCE.pricingParam);
      return { total: ours?.totalCount, available: ours?.availableCount, retired: ours?.retiredCount };
    };
    const expected = {
      total: apple?.totalCount,
      available: apple?.availableCount,
      retired: apple?.retiredCount,
    };
    expect(await counts()).not.toEqual(expected);
    // The newest first, then the older ones, then the oldest again.
    for (const n of [held[2], held[1], held[0], held[0]]) {
      expect(await applyAppleNotification(rt.deps, accountId, n?.envelope)).toBe('applied');
      expect(await counts()).toEqual(expected);
    }
  });

  it('fails only the users Apple refused on a USER_MANAGEMENT failure, once, with Apple’s number', async () => {
    const now = new Date().toISOString();
    const jobId = `job-${randomUUID()}`;
    await rt.deps.jobs.create({
      id: jobId,
      orgId: 'demo',
      accountId,
      type: 'invitation',
      state: 'running',
      requested: 3,
      completed: 0,
      failed: 0,
      failures: [],
      createdBy: 'admin@demo.test',
      createdAt: now,
      updatedAt: now,
    });
    const ids = ['refused-1', 'refused-2', 'refused-3'];
    await rt.deps.users.addMany(
      ids.map((id) => ({
        accountId,
        id,
        email: `${id}@sync.test`,
        tags: [],
        status: 'New' as const,
        source: 'api' as const,
        pending: { kind: 'invitation' as const, jobId, eventId: 'ev-refused' },
        version: 0,
        createdAt: now,
        updatedAt: now,
      })),
    );
    const refused = (users: string[], error?: unknown) =>
      applyAppleNotification(rt.deps, accountId, {
        notificationId: randomUUID(),
        notificationType: 'USER_MANAGEMENT',
        notification: {
          type: 'CREATE',
          result: 'FAILURE',
          eventId: 'ev-refused',
          users: users.map((clientUserId) => ({ clientUserId, status: 'Registered' })),
          ...(error ? { error } : {}),
        },
      });
    const pending = async (id: string) => (await rt.deps.users.get(accountId, id))?.pending;
    // Apple names the one user it refused: the other one of the notification is not failed.
    const error = {
      errorNumber: 9641,
      errorMessage: 'The Apple Account is already associated with another user.',
      errorInfo: { clientUserIds: ['refused-1'] },
    };
    expect(await refused(['refused-1', 'refused-2'], error)).toBe('applied');
    expect(await refused(['refused-1', 'refused-2'], error)).toBe('applied');
    expect(await pending('refused-1')).toBeUndefined();
    expect(await pending('refused-2')).toMatchObject({ jobId });
    // Without an error body every user of the notification failed, as Apple's internal error.
    expect(await refused(['refused-2'])).toBe('applied');
    expect(await pending('refused-2')).toBeUndefined();
    expect(await pending('refused-3')).toMatchObject({ jobId });
    const job = await rt.deps.jobs.get(jobId);
    expect(job).toMatchObject({ failed: 2, completed: 0, state: 'running' });
    expect(job?.failures.sort((a, b) => a.subject.localeCompare(b.subject))).toEqual([
      {
        subject: 'user:refused-1',
        code: 'apple.apple_account_conflict',
        reason: 'The Apple Account is already associated with another user.',
        appleError: {
          errorNumber: 9641,
          errorMessage: 'The Apple Account is already associated with another user.',
        },
      },
      {
        subject: 'user:refused-2',
        code: 'apple.internal',
        reason: 'Apple had an internal error: try again.',
        appleError: { errorNumber: 9603, errorMessage: 'Apple refused the request.' },
      },
    ]);
  });

  it('never moves a user back on late news: USER_ASSOCIATED after a retirement, CREATE after acceptance', async () => {
    const now = new Date().toISOString();
    const base = { accountId, tags: [], source: 'api' as const, version: 0, createdAt: now, updatedAt: now };
    await rt.deps.users.addMany([
      {
        ...base,
        id: 'late-retired',
        email: 'late-retired@sync.test',
        status: 'Retired',
        appleStatus: 'Retired',
      },
      {
        ...base,
        id: 'late-accepted',
        email: 'late-accepted@sync.test',
        status: 'Associated',
        appleStatus: 'Associated',
        idHash: 'h1',
      },
    ]);
    const before = await rt.deps.users.getMany(accountId, ['late-retired', 'late-accepted']);
    const audits = async () =>
      (await rt.deps.audit.list('demo', { limit: 50 })).items.filter((e) => e.target.includes('/late-'));
    const auditedBefore = (await audits()).length;

    expect(
      await applyAppleNotification(rt.deps, accountId, {
        notificationId: randomUUID(),
        notificationType: 'USER_ASSOCIATED',
        notification: {
          associatedUsers: [{ clientUserId: 'late-retired', status: 'Associated', idHash: 'h2' }],
        },
      }),
    ).toBe('applied');
    expect(
      await applyAppleNotification(rt.deps, accountId, {
        notificationId: randomUUID(),
        notificationType: 'USER_MANAGEMENT',
        notification: {
          type: 'CREATE',
          result: 'SUCCESS',
          eventId: 'ev-old-create',
          users: [{ clientUserId: 'late-accepted', status: 'Registered', inviteCode: 'old-code' }],
        },
      }),
    ).toBe('applied');

    expect(await rt.deps.users.getMany(accountId, ['late-retired', 'late-accepted'])).toEqual(before);
    expect(await audits()).toHaveLength(auditedBefore);
  });

  it('re-reads the asset from Apple when a notification reports a holding the service did not start', async () => {
    // Someone else with the same token (another tool) assigns a licence: Apple notifies us of an event we never made.
    const submitted = await rt.deps.vpp.associateAssets(appleToken, {
      assets: [APP],
      serialNumbers: ['OTHER-TOOL-1'],
    });
    expect(submitted.events).toHaveLength(1);
    await rt.simulator.settle();
    const record = await eventually(
      async () => rt.deps.assignments.get(accountId, APP.adamId, APP.pricingParam, 'device', 'OTHER-TOOL-1'),
      20_000,
      'the re-read of the asset',
    );
    expect(record).toMatchObject({ state: 'granted', source: 'apple' });
  });

  it('answers 401 to anyone without the account secret, and takes each notificationId once', async () => {
    const body = (id: string) =>
      JSON.stringify({
        notificationId: id,
        notificationType: 'ASSET_COUNT',
        notification: { ...SCARCE, countDelta: 1 },
      });
    const post = (authorization: string, id: string) =>
      fetch(`${rt.apiUrl}/apple/notifications/${accountId}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: body(id),
      });
    const secret = (await rt.deps.secrets.get(`accounts/${accountId}/notification-secret`))?.reveal() ?? '';
    for (const bad of [
      '',
      'Bearer',
      `Bearer ${secret.slice(1)}`,
      `Basic ${secret}`,
      `Bearer ${secret}${secret}`,
      secret,
    ]) {
      const answer = await post(bad, crypto.randomUUID());
      expect(answer.status, bad.slice(0, 8)).toBe(401);
      expect(await answer.json()).toEqual({ error: { code: 'auth.unauthorized', message: 'Unauthorized.' } });
    }
    expect((await post(`Bearer ${secret}`, crypto.randomUUID())).status).toBe(200);
    // The same notification delivered twice is queued once.
    const queued: unknown[] = [];
    const deps = {
      ...rt.deps,
      accounts: rt.deps.accounts,
      secrets: rt.deps.secrets,
      inbox: rt.deps.inbox,
      clock: rt.deps.clock,
      queue: { send: async (_q: string, m: unknown) => void queued.push(m), sendMany: async () => undefined },
    };
    const { queueAppleNotification } = await import(
      '../../shared/application/notifications/queue-apple-notification.ts'
    );
    const id = crypto.randomUUID();
    const input = { accountId, authorization: `Bearer ${secret}`, body: body(id) };
    expect(await queueAppleNotification(deps, input)).toBe('queued');
    expect(await queueAppleNotification(deps, input)).toBe('duplicate');
    expect(queued).toHaveLength(1);
  });
});

describe('with Apple faults on and changes made elsewhere', () => {
  it('ends with our state equal to the simulator’s', async () => {
    // Seeded: the same changes every run (which requests the faults hit is up to the simulator's seed).
    let x = 42;
    const random = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31;
    };
    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(random() * list.length)];
    const apple = () => {
      const location = rt.simulator.snapshot().locations.find((l) => l.id === LOCATION);
      if (!location) throw new Error('no location');
      return location;
    };
    const faults: FaultConfig = {
      rules: [
        { kind: 'throttle', probability: 0.1, retryAfter: '1' },
        { kind: 'server_error', status: 503, probability: 0.1, retryAfter: '0' },
      ],
      notifications: { dropProbability: 0.3, duplicateProbability: 0.3, delayMs: 150 },
    };
    const orElse = (p: Promise<unknown>) => p.catch(() => undefined); // Apple may refuse a write too
    const earlier = new Set(rt.simulator.snapshot().notifications.map((n) => n.notificationId));
    let unassigned = 0;
    let accepted = 0;
    for (let round = 0; round < 3; round++) {
      // Rounds 0 and 1 run with every fault at once, a version that changes between pages included
      // (round 1 is a full pass). A version that changes after every page never gives a stable read, so
      // round 2 runs without that one, and must run full by itself to repair what round 1 could not.
      rt.simulator.setFaults({ ...faults, versionChangeBetweenPages: round < 2 });
      for (let i = 0; i < 12; i++) {
        const r = random();
        const serial = `RAND-${round}-${i}`;
        if (r < 0.15) rt.simulator.externalAssign(LOCATION, APP, { serialNumber: serial });
        else if (r < 0.25) {
          // Another tool with the same token: Apple notifies us of an event we did not make.
          await orElse(rt.deps.vpp.associateAssets(appleToken, { assets: [APP], serialNumbers: [serial] }));
        } else if (r < 0.4) {
          const held = apple()
            .assignments.filter((a) => a.adamId === APP.adamId && a.serialNumber?.startsWith('SYNC'))
            .map((a) => a.serialNumber ?? '')
            .sort();
          const gone = pick(held);
          if (gone) {
            rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: gone });
            unassigned++;
          }
        } else if (r < 0.5) rt.simulator.purchase(LOCATION, SCARCE, 1 + Math.floor(random() * 3));
        else if (r < 0.6) rt.simulator.transfer(LOCATION, OTHER, APP, 1);
        else if (r < 0.65) rt.simulator.transfer(OTHER, LOCATION, APP, 2);
        else if (r < 0.75)
          rt.simulator.purchase(LOCATION, { adamId: `30000000${round}${i}`, pricingParam: 'STDQ' }, 7, {
            productType: 'App',
            name: `New ${round}-${i}`,
            deviceAssignable: true,
          });
        else if (r < 0.88)
          await orElse(
            rt.deps.vpp.createUsers(appleToken, [
              { clientUserId: `x-${round}-${i}`, email: `x${round}${i}@sync.test` },
            ]),
          );
        else {
          const invited = apple()
            .users.filter((u) => u.status === 'Registered')
            .map((u) => u.clientUserId)
            .sort();
          const who = pick(invited);
          if (who) {
            rt.simulator.acceptInvitation(LOCATION, who);
            accepted++;
          }
        }
      }
      await rt.simulator.settle();
      let stale = 0;
      if (round === 2) {
        // One removal Apple tells nobody about (a notification about another change may still lead to a
        // re-read of the asset that finds it first; whatever is stale when the sync starts, it must find).
        rt.simulator.setFaults({ notifications: { dropAll: true } });
        const silent = pick(
          apple()
            .assignments.filter((a) => a.adamId === APP.adamId && a.serialNumber?.startsWith('SYNC'))
            .map((a) => a.serialNumber ?? '')
            .sort(),
        );
        if (silent) rt.simulator.externalUnassign(LOCATION, APP, { serialNumber: silent });
        await rt.simulator.settle();
        rt.simulator.setFaults({ ...faults, versionChangeBetweenPages: false });
        // Late notifications land first, so what is still stale is exactly what the sync must find.
        await eventually(async () => deliveriesDone(), 20_000, 'late notifications sent');
        await eventually(
          async () => (await rt.queueDepth('notifications')) + (await rt.queueDepth('jobs')) === 0,
          20_000,
          'the notifications and the re-reads they started',
        );
        const atApple = new Set(
          apple().assignments.map((a) => `${a.adamId}:${a.pricingParam}:${a.serialNumber ?? a.clientUserId}`),
        );
        stale = (await rt.deps.assignments.listByAccount(accountId)).filter(
          (a) => a.state === 'granted' && !atApple.has(`${a.adamId}:${a.pricingParam}:${a.subjectId}`),
        ).length;
      }
      const job = await syncNow(round === 1);
      expect(job.state).toBe('succeeded');
      if (round === 1) {
        expect(job.summary.drift).toMatchObject({
          full: true,
          unstableRead: true,
          assignments: { goneAtApple: 0 },
        });
      }
      if (round === 2) {
        expect(job.summary.drift).toMatchObject({ full: true, unstableRead: false });
        expect(job.summary.drift.assignments.goneAtApple).toBe(stale);
      }
    }
    expect(unassigned).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
    const sent = rt.simulator.snapshot().notifications.filter((n) => !earlier.has(n.notificationId));
    expect(sent.some((n) => n.outcome === 'dropped')).toBe(true);
    expect(sent.some((n) => n.duplicated)).toBe(true);
    // Faults still on: late and repeated notifications finish their work, then the states compare.
    await rt.simulator.settle();
    await eventually(
      async () => deliveriesDone() && (await rt.queueDepth('notifications')) === 0,
      20_000,
      'the notifications',
    );
    await expectSameAsApple();
    rt.simulator.clearFaults();
    // Three syncs against throttling and outages with Retry-After: slow on a loaded 2-core machine.
  }, 150_000);
});

describe('reading assets', () => {
  it('lists assets with filters and paging', async () => {
    const books = await rt.call('GET', `/v1/accounts/${accountId}/assets?productType=Book`);
    expect(books.body.items.map((a: { pricingParam: string }) => a.pricingParam).sort()).toEqual([
      'PLUS',
      'STDQ',
    ]);
    const all = await rt.deps.assets.listByAccount(accountId);
    const keysOf = (items: { adamId: string; pricingParam: string }[]) =>
      items.map((a) => `${a.adamId}:${a.pricingParam}`).sort();
    for (const assignable of [true, false]) {
      const answer = await rt.call(
        'GET',
        `/v1/accounts/${accountId}/assets?deviceAssignable=${assignable}&limit=100`,
      );
      const expected = keysOf(all.filter((a) => a.deviceAssignable === assignable));
      expect(expected.length).toBeGreaterThan(0);
      expect(keysOf(answer.body.items)).toEqual(expected);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await rt.call(
        'GET',
        `/v1/accounts/${accountId}/assets?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(
        ...page.body.items.map(
          (a: { adamId: string; pricingParam: string }) => `${a.adamId}:${a.pricingParam}`,
        ),
      );
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe((await rt.deps.assets.listByAccount(accountId)).length);
    expect((await rt.call('GET', `/v1/accounts/${accountId}/assets?cursor=garbage`)).body.error.code).toBe(
      'cursor.invalid',
    );
  });

  it('needs pricingParam for an adamId held with both, and summarises the holders', async () => {
    const ambiguous = await rt.call('GET', `/v1/accounts/${accountId}/assets/${BOOK.adamId}`);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.code).toBe('asset.ambiguous');
    const book = await rt.call('GET', `/v1/accounts/${accountId}/assets/${BOOK.adamId}?pricingParam=STDQ`);
    expect(book.status).toBe(200);
    expect(book.body).toMatchObject({ productType: 'Book', revocable: false, assignments: { granted: 1 } });
    const app = await rt.call('GET', `/v1/accounts/${accountId}/assets/${APP.adamId}`);
    expect(app.body.assignments.granted).toBeGreaterThan(50);
    expect((await rt.call('GET', `/v1/accounts/${accountId}/assets/999999`)).status).toBe(404);
  });

  it('lists holders by state and source', async () => {
    const revoked = await rt.call(
      'GET',
      `/v1/accounts/${accountId}/assets/${APP.adamId}/assignments?state=revoked&limit=1000`,
    );
    expect(revoked.body.items.length).toBeGreaterThan(0);
    expect(revoked.body.items.every((a: { state: string }) => a.state === 'revoked')).toBe(true);
    const fromApple = await rt.call(
      'GET',
      `/v1/accounts/${accountId}/assets/${APP.adamId}/assignments?source=apple&limit=1000`,
    );
    const records = await rt.deps.assignments.listByAsset(accountId, APP.adamId, APP.pricingParam);
    const expected = records.filter((r) => r.source === 'apple').map((r) => r.subjectId);
    expect(expected.length).toBeGreaterThan(0);
    expect(fromApple.body.items.map((a: { subjectId: string }) => a.subjectId).sort()).toEqual(
      expected.sort(),
    );
    // A book held with both pricing parameters: its holders need the one asked for.
    const bookHolders = `/v1/accounts/${accountId}/assets/${BOOK.adamId}/assignments`;
    expect((await rt.call('GET', bookHolders)).body.error.code).toBe('asset.ambiguous');
    const plus = await rt.call('GET', `${bookHolders}?pricingParam=PLUS`);
    expect(plus.status).toBe(200);
    const plusRecords = await rt.deps.assignments.listByAsset(accountId, BOOK.adamId, 'PLUS');
    expect(plus.body.items.map((a: { subjectId: string }) => a.subjectId).sort()).toEqual(
      plusRecords.map((r) => r.subjectId).sort(),
    );
    expect(
      (await rt.call('GET', `/v1/accounts/${accountId}/assets/${APP.adamId}/assignments?state=bogus`)).status,
    ).toBe(400);
  });
});
