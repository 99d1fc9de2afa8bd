/**
 * The stall sweep (resume-stalled.ts): records in flight an hour after they last moved are queued again
 * as a resumed request of their own kind (grant, revocation, retirement, device removal); younger ones
 * are left to the pipeline that is still carrying them.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { resumeStalled, STALLED_AFTER_MS } from '../../../../shared/application/licenses/resume-stalled.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenHoldings, givenJob } from '../../support/world.ts';

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

  it('queues stalled grants and revocations again, one resumed request per asset and direction', async () => {
    await givenJob(deps, { id: 'j-grant', type: 'grant' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'A', state: 'pending-grant', jobId: 'j-grant', updatedAt: LONG_AGO },
      { subjectId: 'B', state: 'pending-grant', jobId: 'j-grant', updatedAt: LONG_AGO, eventId: 'event-1' },
      { subjectId: 'C', state: 'pending-revoke', jobId: 'j-grant', updatedAt: LONG_AGO },
      { subjectId: 'D', state: 'granted', jobId: 'j-grant', updatedAt: LONG_AGO },
    );
    expect(await resumeStalled(deps)).toEqual({ records: 3, messages: 2 });
    expect(deps.queue.messages('grants')).toMatchObject([
      {
        jobId: 'j-grant',
        resume: true,
        subjects: [
          { type: 'device', id: 'A' },
          { type: 'device', id: 'B' },
        ],
      },
    ]);
    expect(deps.queue.messages('revocations')).toMatchObject([
      { resume: true, subjects: [{ type: 'device', id: 'C' }] },
    ]);
  });

  it('resumes a request whose job was never written (the API died first) as a grant', async () => {
    givenHoldings(deps, account, { state: 'pending-grant', jobId: 'j-lost', updatedAt: LONG_AGO });
    await resumeStalled(deps);
    expect(deps.queue.messages('grants')).toMatchObject([{ jobId: 'j-lost', resume: true }]);
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
