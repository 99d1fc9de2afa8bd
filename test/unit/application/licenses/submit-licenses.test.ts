/**
 * The grants and revocations worker (shared/application/licenses/submit-licenses.ts): what it sends to
 * Apple and when it must not, how it marks records with Apple's event, and what it does with each of
 * Apple's failures (settle, retry the message, or check Apple before sending again).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { getJob } from '../../../../shared/application/jobs/read-jobs.ts';
import { requestLicenses } from '../../../../shared/application/licenses/request-licenses.ts';
import { submitLicenses } from '../../../../shared/application/licenses/submit-licenses.ts';
import type { ParsedQueueMessage } from '../../../../shared/application/messages.ts';
import { RetryLaterError } from '../../../../shared/application/retry-later.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { AssetRecord } from '../../../../shared/domain/asset.ts';
import { appleRefusal, type FakeDeps, fakeDeps, vppFault } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAppleAsset,
  givenAsset,
  givenDevices,
  givenHoldings,
  orgAdmin,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
let asset: AssetRecord;
const first = { messageId: 'm1', receiveCount: 1, maxReceiveCount: 5 };

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  asset = givenAsset(deps, account, { availableCount: 10 });
  await givenDevices(deps, { serialNumber: 'A' }, { serialNumber: 'B' }, { serialNumber: 'C' });
});

/** A request as the API makes it; answers the message the grants (or revocations) worker receives. */
async function requested(kind: 'grant' | 'revoke', serials: string[]): Promise<ParsedQueueMessage<'grants'>> {
  await requestLicenses(deps, {
    kind,
    account,
    asset,
    serialNumbers: serials,
    userIds: [],
    actor: { type: 'user', id: orgAdmin.userId, email: orgAdmin.email, role: 'org-admin' },
    source: 'manual',
  });
  const [sent] = deps.queue.take(kind === 'grant' ? 'grants' : 'revocations');
  if (!sent) throw new Error('nothing queued');
  return sent.message;
}
/** Claims the message's batch for another delivery, as if it had taken it `at`. */
const claimBatch = (message: ParsedQueueMessage<'grants'>, id: string, at = deps.clock.iso()) =>
  deps.jobs.takeBatch(message.jobId, message.batch, { id, at });
const record = async (serial: string) =>
  deps.assignments.get(account.id, asset.adamId, 'STDQ', 'device', serial);

describe('submitLicenses: sending', () => {
  it("sends the message's subjects in one call, writes Apple's event on each and schedules the status poll", async () => {
    // Prepare
    const message = await requested('grant', ['A', 'B']);
    // Act
    await submitLicenses(deps, 'grant', message, first);
    // Assess
    const [call, ...more] = deps.vpp.callsOf('associateAssets');
    expect(more).toEqual([]);
    expect(call?.args[0]).toEqual({
      assets: [{ adamId: asset.adamId, pricingParam: 'STDQ' }],
      serialNumbers: ['A', 'B'],
      clientUserIds: [],
    });
    expect(call?.token).toBe('token-of-account-1');
    expect(await record('A')).toMatchObject({ state: 'pending-grant', eventId: 'event-1' });
    expect(await record('B')).toMatchObject({ state: 'pending-grant', eventId: 'event-1' });
    expect(deps.queue.sent).toMatchObject([
      {
        queue: 'events',
        delaySeconds: deps.settings.eventFirstPollSeconds,
        message: { eventId: 'event-1', eventType: 'ASSOCIATE', jobId: message.jobId, polls: 0 },
      },
    ]);
    // The job says what it waits for: Apple's event, polled after the first poll's delay at the latest.
    const firstPoll = deps.clock.now().getTime() + deps.settings.eventFirstPollSeconds * 1000;
    expect((await getJob(deps, orgAdmin, message.jobId)).waitingFor).toEqual({
      kind: 'apple-event',
      eventId: 'event-1',
      nextCheckAt: new Date(firstPoll).toISOString(),
    });
  });

  it('sends revocations with assets/disassociate', async () => {
    givenHoldings(deps, account, { subjectId: 'A' });
    const message = await requested('revoke', ['A']);
    await submitLicenses(deps, 'revoke', message, first);
    expect(deps.vpp.callsOf('associateAssets')).toEqual([]);
    expect(deps.vpp.callsOf('disassociateAssets')).toHaveLength(1);
    expect(await record('A')).toMatchObject({ state: 'pending-revoke', eventId: 'event-1' });
    expect(deps.queue.messages('events')[0]).toMatchObject({ eventType: 'DISASSOCIATE' });
  });

  it('sends nothing twice: a duplicate message and a redelivery after the send find the records sent', async () => {
    const message = await requested('grant', ['A']);
    await submitLicenses(deps, 'grant', message, first);
    await submitLicenses(deps, 'grant', message, { ...first, messageId: 'm-duplicate' });
    await submitLicenses(deps, 'grant', message, { ...first, receiveCount: 2 });
    expect(deps.vpp.callsOf('associateAssets')).toHaveLength(1);
    expect(await record('A')).toMatchObject({ eventId: 'event-1' });
  });

  it('writes each record once, and closes the batch once', async () => {
    const message = await requested('grant', ['A', 'B']);
    const writes = { transitions: 0 };
    const transitionMany = deps.assignments.transitionMany.bind(deps.assignments);
    deps.assignments.transitionMany = async (moves) => {
      writes.transitions += moves.length;
      return transitionMany(moves);
    };
    await submitLicenses(deps, 'grant', message, first);
    expect(writes.transitions).toBe(2);
    expect(await deps.jobs.batches(message.jobId)).toMatchObject([
      { claim: { id: 'claim:m1' }, eventIds: ['event-1'], refused: 0 },
    ]);
  });

  it('polls again on a redelivery when the delivery that sent it died before closing the batch', async () => {
    const message = await requested('grant', ['A']);
    const close = deps.settlements.closeBatch.bind(deps.settlements);
    deps.settlements.closeBatch = async () => {
      throw new Error('injected crash before closing');
    };
    await expect(submitLicenses(deps, 'grant', message, first)).rejects.toThrow('injected crash');
    deps.settlements.closeBatch = close;
    deps.queue.clear();
    await submitLicenses(deps, 'grant', message, { ...first, receiveCount: 2 });
    expect(deps.vpp.callsOf('associateAssets')).toHaveLength(1);
    expect(deps.queue.messages('events')).toMatchObject([{ eventId: 'event-1', polls: 0 }]);
    expect((await deps.jobs.batches(message.jobId))[0]).toMatchObject({ eventIds: ['event-1'] });
  });

  it('leaves alone a batch claimed by another delivery that is still alive', async () => {
    const message = await requested('grant', ['A', 'B']);
    await claimBatch(message, 'claim:other');
    await submitLicenses(deps, 'grant', message, first);
    expect(deps.vpp.calls).toEqual([]);
    expect(await record('A')).toBeUndefined();
  });

  it('refuses in the job a subject another request took since the API call, and gives its reservation back', async () => {
    const message = await requested('grant', ['A', 'B']);
    givenHoldings(deps, account, { subjectId: 'A', state: 'granted', jobId: 'other-job' });
    await submitLicenses(deps, 'grant', message, first);
    expect(deps.vpp.callsOf('associateAssets')[0]?.args[0]).toMatchObject({ serialNumbers: ['B'] });
    expect(await record('A')).toMatchObject({ state: 'granted', jobId: 'other-job' });
    const job = await deps.jobs.get(message.jobId);
    expect(job).toMatchObject({ failed: 1, completed: 0, state: 'running' });
    expect(job?.failures).toMatchObject([{ subject: 'device:A', code: 'license.already_assigned' }]);
    // One licence is still reserved: B's, until Apple answers.
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 1 });
    // A redelivery counts nothing twice.
    await submitLicenses(deps, 'grant', message, { ...first, receiveCount: 2 });
    expect(await deps.jobs.get(message.jobId)).toMatchObject({ failed: 1 });
  });

  it('counts as done a subject whose record a sync moved to granted between the send and the write', async () => {
    const message = await requested('grant', ['A', 'B', 'C']);
    deps.vpp.on('associateAssets', async (_token, request) => {
      // A sync finds A at Apple while the request is on its way; another request takes C back meanwhile.
      givenHoldings(deps, account, { subjectId: 'A', state: 'granted', source: 'apple' });
      givenHoldings(deps, account, { subjectId: 'C', state: 'pending-revoke', jobId: 'other-job' });
      return { events: [{ eventId: 'event-1', request, meta: {} }], rejected: [] };
    });
    await submitLicenses(deps, 'grant', message, first);
    expect(await record('A')).toMatchObject({ state: 'granted', source: 'apple' });
    expect(await record('B')).toMatchObject({ state: 'pending-grant', eventId: 'event-1' });
    expect(await deps.jobs.get(message.jobId)).toMatchObject({
      completed: 1,
      failed: 1,
      failures: [{ subject: 'device:C', code: 'assignment.in_flight' }],
    });
    // B's licence is still reserved; A's and C's are given back.
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 1 });
  });
});

describe('submitLicenses: Apple says no', () => {
  it("settles what Apple refused as failed with Apple's number, and gives the reservation back after re-reading the counts", async () => {
    // Prepare: Apple refuses the batch (no licence left: another tool took them all)
    const message = await requested('grant', ['A', 'B']);
    deps.vpp.on('associateAssets', async (_token, request) => ({
      events: [],
      rejected: [{ request, error: appleRefusal(9709) }],
    }));
    givenAppleAsset(deps, { assignedCount: 10, availableCount: 0 });
    // Act
    await submitLicenses(deps, 'grant', message, first);
    // Assess
    expect(await record('A')).toMatchObject({
      state: 'failed',
      error: { errorNumber: 9709, code: 'apple.not_enough_licenses' },
    });
    expect(await record('A')).not.toHaveProperty('eventId');
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({
      pendingCount: 0,
      assignedCount: 10,
      availableCount: 0,
    });
    expect(deps.vpp.callsOf('readAssets')).toHaveLength(1);
    const job = await deps.jobs.get(message.jobId);
    expect(job).toMatchObject({ state: 'failed', failed: 2, completed: 0 });
    expect(job?.failures[0]).toMatchObject({
      subject: 'device:A',
      code: 'apple.not_enough_licenses',
      appleError: { errorNumber: 9709 },
    });
    expect(deps.queue.messages('events')).toEqual([]);
  });

  it('retries the message while Apple is busy, and fails the records on its last delivery so the job ends', async () => {
    const message = await requested('grant', ['A']);
    deps.vpp.on('associateAssets', async (_token, request) => ({
      events: [],
      rejected: [{ request, error: appleRefusal(9646) }],
    }));
    await expect(submitLicenses(deps, 'grant', message, first)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await record('A')).toBeUndefined();
    expect((await deps.jobs.get(message.jobId))?.state).toBe('queued');
    await submitLicenses(deps, 'grant', message, { ...first, receiveCount: 5 }).catch(() => undefined);
    expect(await record('A')).toMatchObject({ state: 'failed', error: { code: 'apple.throttled' } });
    expect(await deps.jobs.get(message.jobId)).toMatchObject({ state: 'failed', failed: 1 });
  });

  it('retries a message whose read before sending failed (nothing was sent)', async () => {
    const message = await requested('grant', ['A']);
    // An earlier delivery of this message claimed it: the redelivery reads Apple first, which is down.
    await claimBatch(message, 'claim:m1');
    deps.vpp.fail('readAssignments', vppFault('network'));
    await expect(
      submitLicenses(deps, 'grant', message, { ...first, receiveCount: 2 }),
    ).rejects.toBeInstanceOf(RetryLaterError);
    expect(deps.vpp.callsOf('associateAssets')).toEqual([]);
    expect(await record('A')).toBeUndefined();
  });

  it('remembers an answer that was lost, and on redelivery asks Apple before sending again', async () => {
    // Prepare: the send's answer is lost (Apple took A and B)
    const message = await requested('grant', ['A', 'B']);
    deps.vpp.on('associateAssets', async (_token, request) => ({
      events: [],
      rejected: [{ request, error: vppFault('outcome_unknown') }],
    }));
    // Act: the first delivery
    await expect(submitLicenses(deps, 'grant', message, first)).rejects.toBeInstanceOf(RetryLaterError);
    // Assess: the batch stays claimed, not closed: maybe sent
    expect(await record('A')).toBeUndefined();
    expect((await deps.jobs.batches(message.jobId))[0]).toMatchObject({ claim: { id: 'claim:m1' } });
    expect((await deps.jobs.batches(message.jobId))[0]).not.toHaveProperty('sentAt');
    // Act: the redelivery; Apple holds A only
    deps.vpp.assignments = [{ adamId: asset.adamId, pricingParam: 'STDQ', serialNumber: 'A' }];
    const sent: unknown[] = [];
    deps.vpp.on('associateAssets', async (_token, request) => {
      sent.push(request);
      return { events: [{ eventId: 'event-2', request, meta: {} }], rejected: [] };
    });
    await submitLicenses(deps, 'grant', message, { ...first, receiveCount: 2 });
    // Assess: A settled as granted without a second send; only B went again
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect(sent).toMatchObject([{ serialNumbers: ['B'] }]);
    expect(await record('B')).toMatchObject({ state: 'pending-grant', eventId: 'event-2' });
    expect(await deps.jobs.get(message.jobId)).toMatchObject({ completed: 1 });
  });

  it('fails what is still unsent when the outcome stays unknown on the last delivery, and lets the message go', async () => {
    const message = await requested('grant', ['A']);
    deps.vpp.on('associateAssets', async (_token, request) => ({
      events: [],
      rejected: [{ request, error: vppFault('outcome_unknown') }],
    }));
    await expect(submitLicenses(deps, 'grant', message, { ...first, receiveCount: 5 })).rejects.toThrow();
    expect(await record('A')).toMatchObject({ state: 'failed' });
    expect((await deps.jobs.get(message.jobId))?.state).toBe('failed');
  });

  it('sends nothing for a blocked account and fails the records with the reason', async () => {
    const message = await requested('grant', ['A']);
    const read = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update({ ...read, status: 'revoked' }, read);
    await submitLicenses(deps, 'grant', message, first);
    expect(deps.vpp.calls).toEqual([]);
    expect(await record('A')).toMatchObject({ state: 'failed', error: { code: 'account.blocked' } });
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
  });

  it("fails the records when Apple refuses the token, and marks the account's status", async () => {
    const message = await requested('grant', ['A']);
    deps.vpp.fail('associateAssets', appleRefusal(9625));
    await submitLicenses(deps, 'grant', message, first);
    expect(await record('A')).toMatchObject({ state: 'failed', error: { errorNumber: 9625 } });
    expect((await deps.accounts.get(account.id))?.status).toBe('revoked');
    expect(deps.mailer.to(account.email)).toHaveLength(1);
  });

  it('fails the records of an account removed before the request reached Apple', async () => {
    const message = await requested('grant', ['A']);
    await deps.accounts.remove(account);
    await submitLicenses(deps, 'grant', message, first);
    expect(deps.vpp.calls).toEqual([]);
    expect(await record('A')).toMatchObject({ state: 'failed', error: { code: 'account.not_found' } });
  });
});

describe('submitLicenses: a resumed request (the stall sweep)', () => {
  it("takes over a dead delivery's claim older than an hour, checks Apple, and sends only what Apple lacks", async () => {
    const message = await requested('grant', ['A', 'B']);
    await claimBatch(message, 'claim:dead');
    deps.clock.advance({ hours: 2 });
    deps.vpp.assignments = [{ adamId: asset.adamId, pricingParam: 'STDQ', serialNumber: 'B' }];
    await submitLicenses(deps, 'grant', { ...message, resume: true }, { ...first, messageId: 'm-resume' });
    expect(await record('B')).toMatchObject({ state: 'granted' });
    expect(deps.vpp.callsOf('associateAssets')[0]?.args[0]).toMatchObject({ serialNumbers: ['A'] });
  });

  it('never takes over a claim younger than an hour: that delivery may be alive', async () => {
    const message = await requested('grant', ['A']);
    await claimBatch(message, 'claim:alive');
    deps.clock.advance({ minutes: 30 });
    await submitLicenses(deps, 'grant', { ...message, resume: true }, { ...first, messageId: 'm-resume' });
    expect(deps.vpp.calls).toEqual([]);
    expect(await record('A')).toBeUndefined();
    expect((await deps.jobs.batches(message.jobId))[0]?.claim?.id).toBe('claim:alive');
  });
});
