/**
 * Settling Apple's answer to a grant or revocation by polling its event (follow-asset-event.ts) and the
 * settlement rules they share (settle-event.ts): success, Apple's refusals per subject, an event Apple
 * forgot, one that stays pending, and answers that come twice.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { followAssetEvent, outcomesOf } from '../../../../shared/application/licenses/follow-asset-event.ts';
import { reasonFor, settleTasks } from '../../../../shared/application/licenses/settle-event.ts';
import type { ParsedQueueMessage } from '../../../../shared/application/messages.ts';
import type { EventOutcome } from '../../../../shared/application/ports/vpp-client.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { AssignmentRecord } from '../../../../shared/domain/assignment.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  aHolding,
  givenAccount,
  givenAppleAsset,
  givenAsset,
  givenHoldings,
  givenJob,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const ADAM = '361309726';

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account, { availableCount: 10, assignedCount: 0, pendingCount: 3 });
  await givenJob(deps, { id: 'job-1', requested: 3, state: 'running' });
});

const waiting = (serials: string[], over: Partial<AssignmentRecord> = {}) =>
  givenHoldings(
    deps,
    account,
    ...serials.map((subjectId) => ({
      subjectId,
      state: 'pending-grant' as const,
      jobId: 'job-1',
      eventId: 'event-1',
      ...over,
    })),
  );
const message = (over: Partial<ParsedQueueMessage<'events'>> = {}): ParsedQueueMessage<'events'> => ({
  orgId: account.orgId,
  accountId: account.id,
  eventId: 'event-1',
  eventType: 'ASSOCIATE',
  jobId: 'job-1',
  submittedAt: deps.clock.iso(),
  polls: 0,
  ...over,
});
const state = async (serial: string) =>
  (await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', serial))?.state;
const failure = (errorNumber: number, serialNumbers: string[]) => ({
  errorNumber,
  errorMessage: `Apple error ${errorNumber}`,
  kind: 'not_enough_licenses' as const,
  assets: [{ adamId: ADAM, pricingParam: 'STDQ' as const }],
  clientUserIds: [],
  serialNumbers,
});

describe('followAssetEvent', () => {
  it('settles every record of a complete event as granted, with Apple’s counts re-read once before the reservations go', async () => {
    waiting(['A', 'B', 'C']);
    deps.vpp.endEvent('event-1', { state: 'complete', numRequested: 3, numCompleted: 3 });
    givenAppleAsset(deps, { assignedCount: 3, availableCount: 7 });
    // What may be promised at the moment of the re-read: Apple's 7, less the 3 still reserved.
    deps.vpp.on('readAssets', async (_token, filter) => {
      expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ pendingCount: 3 });
      return {
        items: deps.vpp.assets.filter((a) => a.adamId === filter?.adamId),
        versionId: 'v',
        consistent: true,
        pages: 1,
        meta: {},
      };
    });
    await followAssetEvent(deps, message());
    expect([await state('A'), await state('B'), await state('C')]).toEqual(['granted', 'granted', 'granted']);
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      pendingCount: 0,
      availableCount: 7,
      assignedCount: 3,
    });
    expect(deps.vpp.callsOf('readAssets').map((c) => c.args[0])).toEqual([
      { adamId: ADAM, pricingParam: 'STDQ' },
    ]);
    expect(await deps.jobs.get('job-1')).toMatchObject({ state: 'succeeded', completed: 3 });
  });

  it('fails only the subjects Apple names in a partial event, with its number, and grants the rest', async () => {
    waiting(['A', 'B', 'C']);
    deps.vpp.endEvent('event-1', { state: 'partial', failures: [failure(9709, ['B'])] });
    givenAppleAsset(deps, { assignedCount: 2, availableCount: 8 });
    await followAssetEvent(deps, message());
    expect([await state('A'), await state('B'), await state('C')]).toEqual(['granted', 'failed', 'granted']);
    const job = await deps.jobs.get('job-1');
    expect(job).toMatchObject({ state: 'partially_failed', completed: 2, failed: 1 });
    expect(job?.failures).toMatchObject([
      { subject: 'device:B', code: 'apple.not_enough_licenses', appleError: { errorNumber: 9709 } },
    ]);
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      pendingCount: 0,
      availableCount: 8,
      assignedCount: 2,
    });
  });

  it('fails every record of an event that failed without naming anyone', async () => {
    waiting(['A', 'B']);
    deps.vpp.endEvent('event-1', { state: 'failed', failures: [] });
    await followAssetEvent(deps, message());
    expect([await state('A'), await state('B')]).toEqual(['failed', 'failed']);
  });

  it('keeps a revocation Apple refused as granted, with the reason', async () => {
    givenHoldings(deps, account, {
      subjectId: 'R',
      state: 'pending-revoke',
      jobId: 'job-1',
      eventId: 'event-1',
    });
    deps.vpp.endEvent('event-1', {
      state: 'failed',
      failures: [{ ...failure(9706, ['R']), kind: 'not_revocable' }],
    });
    await followAssetEvent(deps, message({ eventType: 'DISASSOCIATE' }));
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'R')).toMatchObject({
      state: 'granted',
      error: { errorNumber: 9706 },
    });
  });

  it('comes back after the poll interval while the event is pending, and gives up after 10 minutes', async () => {
    waiting(['A']);
    deps.vpp.endEvent('event-1', { state: 'pending' });
    await followAssetEvent(deps, message());
    expect(deps.queue.sent).toMatchObject([
      {
        queue: 'events',
        delaySeconds: deps.settings.eventPollIntervalSeconds,
        message: { eventId: 'event-1', polls: 1 },
      },
    ]);
    expect(await state('A')).toBe('pending-grant');
    // The job says it waits for the event, until the next poll.
    const nextCheckAt = new Date(
      deps.clock.now().getTime() + deps.settings.eventPollIntervalSeconds * 1000,
    ).toISOString();
    expect((await deps.jobs.get('job-1'))?.awaitingEvent).toEqual({ eventId: 'event-1', nextCheckAt });
    deps.queue.clear();
    const submittedAt = deps.clock.iso();
    deps.clock.advance({ minutes: 10 });
    await followAssetEvent(deps, message({ submittedAt, polls: 20 }));
    expect(deps.queue.sent).toEqual([]);
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'A')).toMatchObject({
      state: 'failed',
      error: { code: 'apple.event_timeout' },
    });
  });

  it("settles from Apple's holdings when Apple no longer knows the event (9708)", async () => {
    waiting(['A', 'B']);
    deps.vpp.assignments = [{ adamId: ADAM, pricingParam: 'STDQ', serialNumber: 'A' }];
    await followAssetEvent(deps, message({ eventId: 'event-1' }));
    expect(await state('A')).toBe('granted');
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'B')).toMatchObject({
      state: 'failed',
      error: { code: 'apple.event_lost' },
    });
  });

  it('does nothing (and asks Apple nothing) when a notification already settled the event', async () => {
    waiting(['A'], { state: 'granted', eventId: undefined });
    await followAssetEvent(deps, message());
    expect(deps.vpp.calls).toEqual([]);
  });

  it('runs the continuation once the event has ended, and not while it is pending', async () => {
    waiting(['A']);
    deps.vpp.endEvent('event-1', { state: 'pending' });
    const ran: string[] = [];
    const after = async (m: ParsedQueueMessage<'events'>) => {
      ran.push(m.eventId);
    };
    await followAssetEvent(deps, message({ afterwards: { retireUsers: ['u1'] } }), after);
    expect(ran).toEqual([]);
    deps.vpp.endEvent('event-1', { state: 'complete' });
    await followAssetEvent(deps, message({ afterwards: { retireUsers: ['u1'] } }), after);
    expect(ran).toEqual(['event-1']);
  });

  it('fails the records of an account removed meanwhile', async () => {
    waiting(['A']);
    await deps.accounts.remove(account);
    await followAssetEvent(deps, message());
    expect(deps.vpp.calls).toEqual([]);
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'A')).toMatchObject({
      state: 'failed',
      error: { code: 'account.not_found' },
    });
  });
});

describe('followAssetEvent: the drift check when the job ends', () => {
  const byAsset = () =>
    deps.vpp.callsOf('readAssignments').filter((c) => (c.args[0] as { adamId?: string })?.adamId === ADAM);
  beforeEach(() => {
    // One holder before the job (OLD), counted; the job grants A, B and C.
    givenAsset(deps, account, { availableCount: 9, assignedCount: 1, pendingCount: 3, holderCount: 1 });
    givenHoldings(deps, account, { subjectId: 'OLD', source: 'manual' });
    waiting(['A', 'B', 'C']);
    deps.vpp.endEvent('event-1', { state: 'complete', numRequested: 3, numCompleted: 3 });
  });

  it('repairs a holder another tool took back meanwhile, once the job has ended', async () => {
    // Apple: the job's three, and OLD taken back elsewhere (3 assigned, not 1 + 3).
    givenAppleAsset(deps, { assignedCount: 3, availableCount: 7 });
    deps.vpp.assignments = ['A', 'B', 'C'].map((serialNumber) => ({
      adamId: ADAM,
      pricingParam: 'STDQ' as const,
      serialNumber,
    }));
    await followAssetEvent(deps, message());
    expect(await deps.jobs.get('job-1')).toMatchObject({ state: 'succeeded' });
    expect(byAsset().map((c) => c.args[0])).toEqual([{ adamId: ADAM, pricingParam: 'STDQ' }]);
    expect(await state('OLD')).toBe('revoked');
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      holderCount: 3,
      assignedCount: 3,
    });
  });

  it('reads no assignment when the counts agree, nor while the job is still running', async () => {
    givenAppleAsset(deps, { assignedCount: 4, availableCount: 6 });
    await followAssetEvent(deps, message());
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 4 });
    expect(byAsset()).toEqual([]);
    // Another job whose first event ends with a subject still to come: no check yet.
    await givenJob(deps, { id: 'job-2', requested: 2, state: 'running' });
    waiting(['D'], { jobId: 'job-2', eventId: 'event-2' });
    waiting(['E'], { jobId: 'job-2', eventId: 'event-3' });
    deps.vpp.endEvent('event-2', { state: 'complete', numRequested: 1, numCompleted: 1 });
    givenAppleAsset(deps, { assignedCount: 5, availableCount: 5 });
    deps.vpp.assignments = [];
    const listed = vi.spyOn(deps.assignments, 'listByAsset');
    await followAssetEvent(deps, message({ eventId: 'event-2', jobId: 'job-2' }));
    expect(await state('D')).toBe('granted');
    expect(listed).not.toHaveBeenCalled();
    expect(byAsset()).toEqual([]);
  });
});

describe('settleTasks', () => {
  it('moves each record once even when the same answer is applied twice, counting it once', async () => {
    const records = waiting(['A', 'B']);
    const outcomes = records.map((record) => ({ record }));
    expect((await settleTasks(deps, 'event-1', [...outcomes, ...outcomes])).moved).toBe(2);
    expect((await settleTasks(deps, 'event-1', outcomes)).moved).toBe(0);
    expect(await deps.jobs.get('job-1')).toMatchObject({ completed: 2, failed: 0 });
    // The reservations given back once; Apple's counts untouched (only a re-read changes them).
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      pendingCount: 1,
      availableCount: 10,
    });
  });

  it('settles only records still waiting for that event (not one sent again since, nor one settled)', async () => {
    const [a] = waiting(['A']);
    const [b] = waiting(['B'], { eventId: 'event-2' });
    const [c] = waiting(['C'], { state: 'granted', eventId: undefined });
    const { moved } = await settleTasks(
      deps,
      'event-1',
      [a, b, c].map((record) => ({ record: record as AssignmentRecord })),
    );
    expect(moved).toBe(1);
    expect([await state('A'), await state('B'), await state('C')]).toEqual([
      'granted',
      'pending-grant',
      'granted',
    ]);
  });

  it('commits in chunks a transaction can take, and counts every record', async () => {
    const serials = Array.from({ length: 200 }, (_, i) => `S${i}`);
    await givenJob(deps, { id: 'job-big', requested: 200, state: 'running' });
    const records = serials.map((subjectId) =>
      aHolding(account, { subjectId, state: 'pending-grant', jobId: 'job-big', eventId: 'event-big' }),
    );
    deps.assignments.seed(...records);
    const before = deps.settlements.commits;
    const settled = await settleTasks(
      deps,
      'event-big',
      records.map((record) => ({ record })),
    );
    expect(settled).toEqual({ moved: 200, ended: [{ adamId: ADAM, pricingParam: 'STDQ' }] });
    expect(deps.settlements.commits - before).toBeGreaterThanOrEqual(3);
    expect(await deps.jobs.get('job-big')).toMatchObject({ completed: 200, state: 'succeeded' });
  });

  it('explains each Apple number a person can act on', () => {
    expect(reasonFor(9709)).toMatchObject({ code: 'apple.not_enough_licenses' });
    expect(reasonFor(9709).reason).toMatch(/no licence left/);
    expect(reasonFor(9609).reason).toMatch(/invite the user again/);
    expect(reasonFor(12345, 'odd')).toEqual({ code: 'apple.error', reason: 'odd' });
  });
});

describe('outcomesOf', () => {
  const outcome = (over: Partial<EventOutcome>): EventOutcome => ({
    eventId: 'e',
    eventType: 'ASSOCIATE',
    state: 'partial',
    numRequested: 2,
    numCompleted: 1,
    failures: [],
    meta: {},
    ...over,
  });

  it('matches a failure to a record by asset and subject; a failure naming no subject covers all of its asset', () => {
    const [a, b] = [aHolding(account, { subjectId: 'A' }), aHolding(account, { subjectId: 'B' })];
    const named = outcomesOf([a, b], outcome({ failures: [failure(9709, ['B'])] }));
    expect(named.map((o) => o.error?.errorNumber)).toEqual([undefined, 9709]);
    const all = outcomesOf([a, b], outcome({ failures: [failure(9603, [])] }));
    expect(all.map((o) => o.error?.errorNumber)).toEqual([9603, 9603]);
    const otherAsset = outcomesOf(
      [a],
      outcome({ failures: [{ ...failure(9709, ['A']), assets: [{ adamId: '1', pricingParam: 'STDQ' }] }] }),
    );
    expect(otherAsset[0]?.error).toBeUndefined();
  });
});
