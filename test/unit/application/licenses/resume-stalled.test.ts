/**
 * The stall sweep (resume-stalled.ts): batches of grants and revocations not closed an hour after their
 * job began are queued again as resumed requests; records still waiting for Apple's event after an hour
 * have the event polled again; a retirement's or device removal's records in flight run their own job
 * again. Younger ones are left to the pipeline that is still carrying them.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { resumeStalled, STALLED_AFTER_MS } from '../../../../shared/application/licenses/resume-stalled.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenBatchedJob, givenHoldings, givenJob } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const LONG_AGO = '2026-03-02T07:00:00.000Z';

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('resumeStalled', () => {
  it('waits an hour: a record in flight for less is left alone', async () => {
    expect(STALLED_AFTER_MS).toBe(3_600_000);
    givenHoldings(deps, account, {
      state: 'pending-grant',
      jobId: 'j',
      updatedAt: new Date(deps.clock.now().getTime() - 59 * 60_000).toISOString(),
    });
    expect(await resumeStalled(deps)).toEqual({ records: 0, messages: 0 });
    expect(deps.queue.sent).toEqual([]);
  });

  it('polls again the events of grants and revocations still in flight after an hour, sending nothing', async () => {
    await givenJob(deps, { id: 'j-grant', type: 'grant' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'A', state: 'pending-grant', jobId: 'j-grant', updatedAt: LONG_AGO, eventId: 'claim:m1' },
      { subjectId: 'B', state: 'pending-grant', jobId: 'j-grant', updatedAt: LONG_AGO, eventId: 'event-1' },
      { subjectId: 'B2', state: 'pending-grant', jobId: 'j-grant', updatedAt: LONG_AGO, eventId: 'event-1' },
      { subjectId: 'C', state: 'pending-revoke', jobId: 'j-grant', updatedAt: LONG_AGO, eventId: 'event-2' },
      { subjectId: 'D', state: 'granted', jobId: 'j-grant', updatedAt: LONG_AGO },
    );
    expect(await resumeStalled(deps)).toEqual({ records: 3, messages: 2 });
    expect(deps.queue.messages('events')).toMatchObject([
      { eventId: 'event-1', eventType: 'ASSOCIATE', jobId: 'j-grant', submittedAt: LONG_AGO, polls: 0 },
      { eventId: 'event-2', eventType: 'DISASSOCIATE', jobId: 'j-grant' },
    ]);
    expect(deps.queue.messages('grants')).toEqual([]);
  });

  it('queues again the batches not closed an hour after they were written, unless a live delivery holds them', async () => {
    const recently = new Date(deps.clock.now().getTime() - 10 * 60_000).toISOString();
    const old = { state: 'running' as const, requested: 4, createdAt: LONG_AGO, updatedAt: LONG_AGO };
    await givenBatchedJob(deps, { ...old, id: 'j-old' }, [
      {},
      { claim: { id: 'claim:dead', at: LONG_AGO } },
      { claim: { id: 'claim:alive', at: recently } },
      { claim: { id: 'claim:done', at: LONG_AGO }, sentAt: LONG_AGO, eventIds: [] },
    ]);
    await givenBatchedJob(deps, { ...old, id: 'j-revoke', type: 'revocation', state: 'queued' }, [{}]);
    // Too young: left alone.
    await givenBatchedJob(deps, { ...old, id: 'j-new', createdAt: recently }, [{}]);
    expect(await resumeStalled(deps)).toEqual({ records: 3, messages: 3 });
    expect(deps.queue.messages('grants')).toEqual([
      { orgId: account.orgId, accountId: account.id, jobId: 'j-old', batch: 0, resume: true },
      { orgId: account.orgId, accountId: account.id, jobId: 'j-old', batch: 1, resume: true },
    ]);
    expect(deps.queue.messages('revocations')).toEqual([
      { orgId: account.orgId, accountId: account.id, jobId: 'j-revoke', batch: 0, resume: true },
    ]);
  });

  it("runs a retirement's own job again, and a device removal's, for each device", async () => {
    await givenJob(deps, { id: 'j-ret', type: 'retirement' });
    await givenJob(deps, { id: 'j-dev', type: 'device-removal' });
    givenHoldings(
      deps,
      account,
      { subjectType: 'user', subjectId: 'ana', state: 'pending-revoke', jobId: 'j-ret', updatedAt: LONG_AGO },
      {
        subjectType: 'user',
        subjectId: 'ana',
        adamId: '2',
        state: 'pending-revoke',
        jobId: 'j-ret',
        updatedAt: LONG_AGO,
      },
      { subjectId: 'DEV1', state: 'pending-revoke', jobId: 'j-dev', updatedAt: LONG_AGO },
      { subjectId: 'DEV2', state: 'pending-revoke', jobId: 'j-dev', updatedAt: LONG_AGO },
    );
    expect(await resumeStalled(deps)).toEqual({ records: 4, messages: 3 });
    expect(deps.queue.messages('jobs')).toEqual([
      {
        type: 'retirement',
        orgId: account.orgId,
        accountId: account.id,
        jobId: 'j-ret',
        userIds: ['ana'],
        resume: true,
      },
      { type: 'device-removal', orgId: account.orgId, jobId: 'j-dev', serialNumber: 'DEV1', resume: true },
      { type: 'device-removal', orgId: account.orgId, jobId: 'j-dev', serialNumber: 'DEV2', resume: true },
    ]);
    expect(deps.queue.messages('grants')).toEqual([]);
  });
});
