/**
 * Retiring users (retirements.ts): a user Apple never knew is retired at once; the others' revocable
 * licences are taken back first (books stay with the person, and are reported), then Apple's
 * users/retire; the job counts both the licences and the users.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { followAssetEvent } from '../../../../shared/application/licenses/follow-asset-event.ts';
import { applyAppleNotification } from '../../../../shared/application/notifications/apply-apple-notification.ts';
import { RetryLaterError } from '../../../../shared/application/retry-later.ts';
import { applyAppleUsers } from '../../../../shared/application/users/apply-apple-users.ts';
import {
  requestRetirements,
  retireAtApple,
  runRetirementJob,
} from '../../../../shared/application/users/retirements.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ForbiddenError } from '../../../../shared/domain/errors.ts';
import { appleRefusal, type FakeDeps, fakeDeps, vppFault } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenHoldings,
  givenUsers,
  must,
  orgAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const first = { receiveCount: 1, maxReceiveCount: 5 };

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account, { adamId: 'app' });
  givenAsset(deps, account, {
    adamId: 'book',
    productType: 'Book',
    revocable: false,
    deviceAssignable: false,
  });
  await givenUsers(
    deps,
    account,
    { id: 'ana', status: 'Associated' },
    { id: 'new', status: 'New', appleStatus: undefined, inviteCode: undefined },
    { id: 'gone', status: 'Retired' },
  );
  givenHoldings(
    deps,
    account,
    { subjectType: 'user', subjectId: 'ana', adamId: 'app' },
    { subjectType: 'user', subjectId: 'ana', adamId: 'book' },
    { subjectType: 'user', subjectId: 'ana', adamId: 'old', state: 'revoked' },
  );
});

const user = async (id: string) => must(await deps.users.get(account.id, id));
const record = (adamId: string) => deps.assignments.get(account.id, adamId, 'STDQ', 'user', 'ana');

describe('requestRetirements', () => {
  it('retires a New user at once, moves the revocable licences of the others to pending-revoke, and reports the books kept', async () => {
    const { job, rejected } = await requestRetirements(deps, orgAdmin, account.id, [
      'ana',
      'new',
      'gone',
      'ghost',
    ]);
    expect(rejected.map((r) => `${r.subject}=${r.code}`).sort()).toEqual([
      'user:ghost=user.not_found',
      'user:gone=user.already_retired',
    ]);
    // 2 users + 1 licence to take back
    expect(job).toMatchObject({
      type: 'retirement',
      requested: 3,
      summary: { users: 2, licencesToRevoke: 1, booksKept: 1 },
    });
    expect(await user('new')).toMatchObject({ status: 'Retired' });
    expect(await user('ana')).toMatchObject({
      status: 'Associated',
      pending: { kind: 'retirement', jobId: job.id },
    });
    expect(await record('app')).toMatchObject({ state: 'pending-revoke', jobId: job.id });
    expect((await record('book'))?.state).toBe('granted');
    expect(deps.queue.messages('jobs')).toEqual([
      { type: 'retirement', orgId: account.orgId, accountId: account.id, jobId: job.id, userIds: ['ana'] },
    ]);
    expect(await deps.jobs.get(job.id)).toMatchObject({ completed: 1, state: 'running' });
  });

  it('queues nothing when only New users are retired, and refuses a viewer', async () => {
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['new']);
    expect(deps.queue.sent).toEqual([]);
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded' });
    await expect(requestRetirements(deps, viewer, account.id, ['ana'])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(requestRetirements(deps, orgAdmin, account.id, ['gone'])).rejects.toMatchObject({
      code: 'retirement.nothing_to_do',
    });
  });
});

describe('runRetirementJob', () => {
  it("takes the licences back with Apple's revoke, retires the users once that event ends, and ends the job when Apple says Retired", async () => {
    // Prepare
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ana']);
    const [queued] = deps.queue.take('jobs');
    if (queued?.message.type !== 'retirement') throw new Error('no retirement job');
    // Act: the job sends the revocation
    await runRetirementJob(deps, queued.message, first);
    expect(deps.vpp.callsOf('revokeAssets').map((c) => c.args[0])).toEqual([
      { serialNumbers: [], clientUserIds: ['ana'] },
    ]);
    expect(deps.vpp.callsOf('retireUsers')).toEqual([]);
    // Act: the revocation's event ends; its continuation retires at Apple
    const [poll] = deps.queue.take('events');
    if (!poll) throw new Error('no poll');
    deps.vpp.endEvent(poll.message.eventId, { state: 'complete', eventType: 'REVOKE' });
    await followAssetEvent(deps, poll.message, async (m) =>
      retireAtApple(deps, m.accountId, job.id, m.afterwards?.retireUsers ?? [], first),
    );
    expect(await record('app')).toMatchObject({ state: 'revoked' });
    expect(deps.vpp.callsOf('retireUsers').map((c) => c.args[0])).toEqual([[{ clientUserId: 'ana' }]]);
    expect((await user('ana')).pending).toMatchObject({ kind: 'retirement', eventId: 'event-2' });
    // Act: Apple says Retired
    await applyAppleUsers(deps, account, [{ clientUserId: 'ana', status: 'Retired' }]);
    // Assess
    expect(await user('ana')).toMatchObject({ status: 'Retired' });
    expect((await user('ana')).pending).toBeUndefined();
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded', completed: 2 });
  });

  it("moves on to users/retire as soon as Apple's notification of the revocation arrives; the poll then finds nothing left to do", async () => {
    // Prepare: the job has sent the revocation
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ana']);
    const [queued] = deps.queue.take('jobs');
    if (queued?.message.type !== 'retirement') throw new Error('no retirement job');
    await runRetirementJob(deps, queued.message, first);
    const [poll] = deps.queue.take('events');
    if (!poll) throw new Error('no poll');
    expect(poll.delaySeconds).toBe(deps.settings.eventFirstPollSeconds);
    // Act: Apple's ASSET_MANAGEMENT notification of the revocation
    await applyAppleNotification(deps, account.id, {
      notificationId: 'n-revoke',
      notificationType: 'ASSET_MANAGEMENT',
      notification: {
        type: 'REVOKE',
        result: 'SUCCESS',
        eventId: poll.message.eventId,
        assignments: [{ adamId: 'app', pricingParam: 'STDQ', clientUserId: 'ana' }],
      },
    });
    // Assess: the licence is back and users/retire went out then, not at the poll
    expect(await record('app')).toMatchObject({ state: 'revoked' });
    expect(deps.vpp.callsOf('retireUsers').map((c) => c.args[0])).toEqual([[{ clientUserId: 'ana' }]]);
    expect((await user('ana')).pending).toMatchObject({ kind: 'retirement', eventId: 'event-2' });
    // Act: the notification again, and the poll an hour later: nothing is sent twice
    await applyAppleNotification(deps, account.id, {
      notificationId: 'n-revoke-again',
      notificationType: 'ASSET_MANAGEMENT',
      notification: {
        type: 'REVOKE',
        result: 'SUCCESS',
        eventId: poll.message.eventId,
        assignments: [{ adamId: 'app', pricingParam: 'STDQ', clientUserId: 'ana' }],
      },
    });
    await followAssetEvent(deps, poll.message, async (m) =>
      retireAtApple(deps, m.accountId, job.id, m.afterwards?.retireUsers ?? [], first),
    );
    expect(deps.vpp.callsOf('retireUsers')).toHaveLength(1);
    expect(deps.vpp.callsOf('eventStatus')).toEqual([]);
    // Act: Apple's USER_MANAGEMENT of the retirement ends the job
    await applyAppleNotification(deps, account.id, {
      notificationId: 'n-retire',
      notificationType: 'USER_MANAGEMENT',
      notification: {
        type: 'RETIRE',
        result: 'SUCCESS',
        eventId: 'event-2',
        users: [{ clientUserId: 'ana', status: 'Retired' }],
      },
    });
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded', completed: 2 });
  });

  it('retires nobody whose licences of the job are still in flight, and each user once when two callers come at once', async () => {
    await givenUsers(deps, account, { id: 'ben', status: 'Associated' });
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ana', 'ben']);
    deps.queue.take('jobs');
    // ana's licence is still to be taken back; ben holds nothing
    await retireAtApple(deps, account.id, job.id, ['ana', 'ben'], first);
    expect(deps.vpp.callsOf('retireUsers').map((c) => c.args[0])).toEqual([[{ clientUserId: 'ben' }]]);
    // Two callers at once for ana, once her licence is back
    const held = must(await record('app'));
    await deps.assignments.transition({ ...held, state: 'revoked', eventId: undefined }, [held.state]);
    await Promise.all([
      retireAtApple(deps, account.id, job.id, ['ana'], first),
      retireAtApple(deps, account.id, job.id, ['ana'], first),
    ]);
    expect(deps.vpp.callsOf('retireUsers').map((c) => c.args[0])).toEqual([
      [{ clientUserId: 'ben' }],
      [{ clientUserId: 'ana' }],
    ]);
  });

  it('retires the users whose revocation Apple refused at once (their licences stay, with the reason)', async () => {
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ana']);
    const [queued] = deps.queue.take('jobs');
    if (queued?.message.type !== 'retirement') throw new Error('no retirement job');
    deps.vpp.on('revokeAssets', async (_t, request) => ({
      events: [],
      rejected: [{ request, error: appleRefusal(9609) }],
    }));
    await runRetirementJob(deps, queued.message, first);
    expect((await record('app'))?.state).toBe('granted');
    expect(deps.vpp.callsOf('retireUsers').map((c) => c.args[0])).toEqual([[{ clientUserId: 'ana' }]]);
    expect(await deps.jobs.get(job.id)).toMatchObject({ failed: 1, state: 'running' });
  });

  it('retires at Apple at once when there is nothing to take back', async () => {
    await givenUsers(deps, account, { id: 'ben', status: 'Invited' });
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ben']);
    const [queued] = deps.queue.take('jobs');
    if (queued?.message.type !== 'retirement') throw new Error('no retirement job');
    await runRetirementJob(deps, queued.message, first);
    expect(deps.vpp.callsOf('revokeAssets')).toEqual([]);
    expect(deps.vpp.callsOf('retireUsers')).toHaveLength(1);
    expect(job.requested).toBe(1);
  });

  it("fails the users Apple will not retire, with Apple's number", async () => {
    await givenUsers(deps, account, { id: 'ben', status: 'Invited' });
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ben']);
    deps.vpp.on('retireUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9609) }],
    }));
    await retireAtApple(deps, account.id, job.id, ['ben'], first);
    expect(await deps.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      failures: [{ subject: 'user:ben', appleError: { errorNumber: 9609 } }],
    });
    expect((await user('ben')).pending).toBeUndefined();
  });

  it('retries while Apple is busy or unreachable, and fails the users with the reason on the last delivery', async () => {
    await givenUsers(deps, account, { id: 'ben', status: 'Invited' });
    const { job } = await requestRetirements(deps, orgAdmin, account.id, ['ben']);
    deps.vpp.fail('retireUsers', vppFault('network'), 2);
    await expect(retireAtApple(deps, account.id, job.id, ['ben'], first)).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect((await user('ben')).pending).toMatchObject({ kind: 'retirement', jobId: job.id });
    expect((await deps.jobs.get(job.id))?.failed).toBe(0);
    await retireAtApple(deps, account.id, job.id, ['ben'], { receiveCount: 5, maxReceiveCount: 5 });
    expect((await user('ben')).pending).toBeUndefined();
    expect(await deps.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      failures: [{ subject: 'user:ben', code: 'retirement.failed' }],
    });
  });
});
