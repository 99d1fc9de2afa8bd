/**
 * Apple's notifications: the endpoint that takes them in (queue-apple-notification.ts: the account's
 * secret only, each notificationId once) and the worker that applies them (apply-apple-notification.ts:
 * idempotent and order-independent, re-reading Apple rather than adding deltas).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { batchReads } from '../../../../shared/application/apple-records.ts';
import {
  applyAppleNotification,
  MAX_NOTIFICATION_DEFERRALS,
  NOTIFICATION_DEFER_SECONDS,
} from '../../../../shared/application/notifications/apply-apple-notification.ts';
import { queueAppleNotification } from '../../../../shared/application/notifications/queue-apple-notification.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAppleAsset,
  givenAsset,
  givenBatchedJob,
  givenDeployment,
  givenHoldings,
  givenJob,
  givenUsers,
  must,
} from '../../support/world.ts';

const ADAM = '361309726';
let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('queueAppleNotification', () => {
  const bearer = 'Bearer notification-secret-of-account-1';
  const body = (notificationId: string, type = 'ASSET_COUNT') =>
    JSON.stringify({
      notificationId,
      notificationType: type,
      notification: type === 'ASSET_COUNT' ? { adamId: ADAM, pricingParam: 'STDQ', countDelta: 2 } : {},
    });

  it('answers unauthorized to anyone without the account’s secret, for any account, and queues nothing', async () => {
    for (const authorization of [undefined, 'Bearer wrong', 'notification-secret-of-account-1', 'Basic x'])
      expect(
        await queueAppleNotification(deps, { accountId: account.id, authorization, body: body('n1') }),
      ).toBe('unauthorized');
    expect(
      await queueAppleNotification(deps, { accountId: 'missing', authorization: bearer, body: body('n1') }),
    ).toBe('unauthorized');
    expect(deps.queue.sent).toEqual([]);
  });

  it('takes each notificationId once, answers a test at once, and refuses what does not parse', async () => {
    expect(
      await queueAppleNotification(deps, { accountId: account.id, authorization: bearer, body: body('n1') }),
    ).toBe('queued');
    expect(
      await queueAppleNotification(deps, { accountId: account.id, authorization: bearer, body: body('n1') }),
    ).toBe('duplicate');
    expect(
      await queueAppleNotification(deps, {
        accountId: account.id,
        authorization: bearer,
        body: body('t', 'TEST_NOTIFICATION'),
      }),
    ).toBe('test');
    expect(
      await queueAppleNotification(deps, { accountId: account.id, authorization: bearer, body: '{not json' }),
    ).toBe('malformed');
    expect(
      await queueAppleNotification(deps, {
        accountId: account.id,
        authorization: bearer,
        body: '{"notificationType":"ASSET_COUNT"}',
      }),
    ).toBe('malformed');
    expect(deps.queue.messages('notifications')).toMatchObject([
      { accountId: account.id, receivedAt: deps.clock.iso(), notification: { notificationId: 'n1' } },
    ]);
    // A week later the id is forgotten (Apple retries within minutes).
    deps.clock.advance({ days: 8 });
    expect(
      await queueAppleNotification(deps, { accountId: account.id, authorization: bearer, body: body('n1') }),
    ).toBe('queued');
  });
});

describe('applyAppleNotification', () => {
  const assetManagement = (result: 'SUCCESS' | 'FAILURE', serials: string[], extra = {}) => ({
    notificationId: `n-${result}`,
    notificationType: 'ASSET_MANAGEMENT',
    notification: {
      type: 'ASSOCIATE',
      result,
      eventId: 'event-1',
      assignments: serials.map((serialNumber) => ({ adamId: ADAM, pricingParam: 'STDQ', serialNumber })),
      ...extra,
    },
  });
  const record = (serial: string) => deps.assignments.get(account.id, ADAM, 'STDQ', 'device', serial);

  beforeEach(async () => {
    givenAsset(deps, account, { availableCount: 10, assignedCount: 0, pendingCount: 2 });
    await givenJob(deps, { id: 'job-1', requested: 2, state: 'running' });
    givenHoldings(
      deps,
      account,
      ...['A', 'B'].map((subjectId) => ({
        subjectId,
        state: 'pending-grant' as const,
        jobId: 'job-1',
        eventId: 'event-1',
      })),
    );
  });

  it('settles the records waiting for the event, once however often it comes, with Apple’s counts re-read', async () => {
    givenAppleAsset(deps, { assignedCount: 2, availableCount: 8 });
    expect(await applyAppleNotification(deps, account.id, assetManagement('SUCCESS', ['A', 'B']))).toBe(
      'applied',
    );
    await applyAppleNotification(deps, account.id, assetManagement('SUCCESS', ['A', 'B']));
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect(await deps.jobs.get('job-1')).toMatchObject({ state: 'succeeded', completed: 2 });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      pendingCount: 0,
      assignedCount: 2,
      availableCount: 8,
    });
    // One read of the asset per notification (each came in a batch of its own), none of assignments.
    expect(deps.vpp.calls.map((c) => c.method)).toEqual(['readAssets', 'readAssets']);
  });

  it('re-reads each asset once per batch of notifications, whatever the number of notifications and subjects', async () => {
    givenAppleAsset(deps, { assignedCount: 2, availableCount: 8 });
    givenAppleAsset(deps, { adamId: '42', assignedCount: 1, availableCount: 4, totalCount: 5 });
    givenAsset(deps, account, { adamId: '42', totalCount: 5, availableCount: 5 });
    deps.vpp.assignments = [{ adamId: '42', pricingParam: 'STDQ', serialNumber: 'ELSEWHERE' }];
    const delivery = { receiveCount: 1, maxReceiveCount: 5, batch: batchReads() };
    const one = (serial: string) => assetManagement('SUCCESS', [serial]);
    await applyAppleNotification(deps, account.id, one('A'), delivery);
    await applyAppleNotification(deps, account.id, one('B'), delivery);
    await applyAppleNotification(
      deps,
      account.id,
      {
        notificationId: 'elsewhere',
        notificationType: 'ASSET_MANAGEMENT',
        notification: {
          type: 'ASSOCIATE',
          result: 'SUCCESS',
          eventId: 'event-of-another-tool',
          assignments: [{ adamId: '42', pricingParam: 'STDQ', serialNumber: 'ELSEWHERE' }],
        },
      },
      delivery,
    );
    expect(deps.vpp.callsOf('readAssets').map((c) => c.args[0])).toEqual([
      { adamId: ADAM, pricingParam: 'STDQ' },
      { adamId: '42', pricingParam: 'STDQ' },
    ]);
    expect(await deps.jobs.get('job-1')).toMatchObject({ state: 'succeeded', completed: 2 });
    // The assignment made by another tool moved the counts at once, not at the nightly sync.
    expect(await deps.assets.get(account.id, '42', 'STDQ')).toMatchObject({
      assignedCount: 1,
      availableCount: 4,
    });
  });

  it('re-reads the counts after a refusal for want of licences, and gives the reservations back', async () => {
    givenAppleAsset(deps, { assignedCount: 10, availableCount: 0 });
    await applyAppleNotification(
      deps,
      account.id,
      assetManagement('FAILURE', ['A', 'B'], { error: { errorNumber: 9709, errorMessage: 'none' } }),
    );
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      pendingCount: 0,
      assignedCount: 10,
      availableCount: 0,
    });
    expect(deps.vpp.callsOf('readAssets')).toHaveLength(1);
  });

  it("fails the records of a refused event with Apple's number", async () => {
    givenAppleAsset(deps, { availableCount: 10 });
    await applyAppleNotification(
      deps,
      account.id,
      assetManagement('FAILURE', ['A'], { error: { errorNumber: 9709, errorMessage: 'none' } }),
    );
    expect(await record('A')).toMatchObject({ state: 'failed', error: { errorNumber: 9709 } });
    expect(await record('B')).toMatchObject({ state: 'pending-grant' });
  });

  it('re-reads the asset from Apple when a success names a holding the service did not start', async () => {
    givenAppleAsset(deps, { assignedCount: 1, availableCount: 9 });
    deps.vpp.assignments = [{ adamId: ADAM, pricingParam: 'STDQ', serialNumber: 'ELSEWHERE' }];
    await applyAppleNotification(deps, account.id, assetManagement('SUCCESS', ['ELSEWHERE']));
    expect(deps.vpp.callsOf('readAssignments')[0]?.args[0]).toEqual({ adamId: ADAM, pricingParam: 'STDQ' });
    expect(await record('ELSEWHERE')).toMatchObject({ state: 'granted', source: 'apple' });
    // The records in flight stay as they are: only Apple's answer to them moves them.
    expect(await record('A')).toMatchObject({ state: 'pending-grant' });
  });

  it('puts back, a few times, an answer that came before the worker wrote the records of its batch', async () => {
    givenAppleAsset(deps, { assignedCount: 3, availableCount: 7 });
    await givenBatchedJob(deps, { id: 'job-2' }, [{ subjects: [{ type: 'device', id: 'EARLY' }] }]);
    const early = assetManagement('SUCCESS', ['A', 'EARLY']);
    await applyAppleNotification(deps, account.id, early);
    // A settles now; EARLY is not mistaken for a holding made elsewhere (no re-read of the holdings).
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect(await record('EARLY')).toBeUndefined();
    expect(deps.vpp.callsOf('readAssignments')).toEqual([]);
    const [back, ...more] = deps.queue.take('notifications');
    expect(more).toEqual([]);
    expect(back).toMatchObject({
      delaySeconds: NOTIFICATION_DEFER_SECONDS,
      message: { accountId: account.id, notification: early, deferrals: 1 },
    });
    // Put back: the counts are not read again. The last time it is not put back: the poll settles it.
    await applyAppleNotification(deps, account.id, early, undefined, 1);
    expect(deps.vpp.callsOf('readAssets')).toHaveLength(1);
    expect(deps.queue.take('notifications')).toHaveLength(1);
    await applyAppleNotification(deps, account.id, early, undefined, MAX_NOTIFICATION_DEFERRALS);
    expect(deps.queue.take('notifications')).toEqual([]);
  });

  it('checks the asset for drift when the answer ends the job: a holder taken back elsewhere is repaired', async () => {
    // OLD held before the job; another tool took it back, so Apple counts 2 where we count 3.
    givenHoldings(deps, account, { subjectId: 'OLD', source: 'manual' });
    deps.assets.seed({ ...must(await deps.assets.get(account.id, ADAM, 'STDQ')), holderCount: 1 });
    givenAppleAsset(deps, { assignedCount: 2, availableCount: 8 });
    deps.vpp.assignments = ['A', 'B'].map((serialNumber) => ({
      adamId: ADAM,
      pricingParam: 'STDQ' as const,
      serialNumber,
    }));
    await applyAppleNotification(deps, account.id, assetManagement('SUCCESS', ['A', 'B']));
    expect(await deps.jobs.get('job-1')).toMatchObject({ state: 'succeeded' });
    expect(deps.vpp.callsOf('readAssignments').map((c) => c.args[0])).toEqual([
      { adamId: ADAM, pricingParam: 'STDQ' },
    ]);
    expect(await record('OLD')).toMatchObject({ state: 'revoked' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 2 });
  });

  it('re-reads the counts on ASSET_COUNT instead of adding the delta, however often and late it comes', async () => {
    deps.vpp.assets = [
      {
        adamId: ADAM,
        pricingParam: 'STDQ',
        productType: 'App',
        assignedCount: 0,
        availableCount: 12,
        retiredCount: 0,
        totalCount: 12,
        deviceAssignable: true,
        revocable: true,
        supportedPlatforms: ['iOS'],
      },
    ];
    const count = {
      notificationId: 'c1',
      notificationType: 'ASSET_COUNT',
      notification: { adamId: ADAM, pricingParam: 'STDQ', countDelta: 2 },
    };
    await applyAppleNotification(deps, account.id, count);
    await applyAppleNotification(deps, account.id, { ...count, notificationId: 'c2' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      totalCount: 12,
      availableCount: 12,
      pendingCount: 2,
    });
    expect(deps.audit.actions('asset.counts_changed')).toHaveLength(1);
    deps.vpp.assets = [];
    await applyAppleNotification(deps, account.id, { ...count, notificationId: 'c3' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toBeUndefined();
  });

  it('asks for a reconciliation when ASSET_COUNT shows licences bought for an asset that assigns by itself', async () => {
    const reconciles = () => deps.queue.messages('jobs').filter((m) => m.type === 'reconcile');
    const count = (notificationId: string) => ({
      notificationId,
      notificationType: 'ASSET_COUNT',
      notification: { adamId: ADAM, pricingParam: 'STDQ', countDelta: 5 },
    });
    givenAsset(deps, account, { totalCount: 10, assignedCount: 10, availableCount: 0 });
    await givenDeployment(deps, account, { autoAssign: false });
    givenAppleAsset(deps, { totalCount: 15, assignedCount: 10, availableCount: 5 });
    // No deployment that assigns by itself: nothing is waiting.
    await applyAppleNotification(deps, account.id, count('c1'));
    expect(reconciles()).toEqual([]);
    await givenDeployment(deps, account, { autoAssign: true });
    // The same counts again: nothing arrived.
    await applyAppleNotification(deps, account.id, count('c2'));
    expect(reconciles()).toEqual([]);
    givenAppleAsset(deps, { totalCount: 20, assignedCount: 10, availableCount: 10 });
    await applyAppleNotification(deps, account.id, count('c3'));
    expect(reconciles()).toEqual([
      { type: 'reconcile', orgId: account.orgId, debounceKey: `reconcile:${account.orgId}` },
    ]);
    // Fewer licences (refunded): nobody is waiting for fewer.
    givenAppleAsset(deps, { totalCount: 12, assignedCount: 10, availableCount: 2 });
    deps.clock.advance({ hours: 1 });
    await applyAppleNotification(deps, account.id, count('c4'));
    expect(reconciles()).toHaveLength(1);
  });

  it('moves users on USER_MANAGEMENT and USER_ASSOCIATED, and fails only the users Apple refused', async () => {
    await givenJob(deps, { id: 'job-i', type: 'invitation', requested: 2 });
    await givenUsers(
      deps,
      account,
      { id: 'ana', status: 'Invited' },
      {
        id: 'ben',
        status: 'New',
        appleStatus: undefined,
        inviteCode: undefined,
        pending: { kind: 'invitation', jobId: 'job-i' },
      },
      {
        id: 'cy',
        status: 'New',
        appleStatus: undefined,
        inviteCode: undefined,
        pending: { kind: 'invitation', jobId: 'job-i' },
      },
    );
    await applyAppleNotification(deps, account.id, {
      notificationId: 'u1',
      notificationType: 'USER_ASSOCIATED',
      notification: { associatedUsers: [{ clientUserId: 'ana', status: 'Associated' }] },
    });
    expect(must(await deps.users.get(account.id, 'ana')).status).toBe('Associated');
    await applyAppleNotification(deps, account.id, {
      notificationId: 'u2',
      notificationType: 'USER_MANAGEMENT',
      notification: {
        type: 'CREATE',
        result: 'FAILURE',
        eventId: 'e',
        users: [
          { clientUserId: 'ben', status: 'Registered' },
          { clientUserId: 'cy', status: 'Registered' },
        ],
        error: { errorNumber: 9635, errorMessage: 'conflict', errorInfo: { clientUserIds: ['cy'] } },
      },
    });
    expect(must(await deps.users.get(account.id, 'ben')).pending).toBeDefined();
    expect(must(await deps.users.get(account.id, 'cy')).pending).toBeUndefined();
    expect(await deps.jobs.get('job-i')).toMatchObject({
      failed: 1,
      failures: [{ subject: 'user:cy', appleError: { errorNumber: 9635 } }],
    });
  });

  it('ignores a notification for an account it does not have, and one that does not parse', async () => {
    expect(await applyAppleNotification(deps, 'missing', assetManagement('SUCCESS', ['A']))).toBe('ignored');
    expect(await applyAppleNotification(deps, account.id, { notificationType: 'ASSET_MANAGEMENT' })).toBe(
      'ignored',
    );
    expect(await record('A')).toMatchObject({ state: 'pending-grant' });
  });
});
