/**
 * A sync in bounded memory, resumable at any page (sync-account.ts, issue 16): assignments page by
 * page, removals found by walking our records against the hashes of what Apple listed, a checkpoint
 * after every page; a run stopped at any checkpoint, or killed in the middle of any page, continues
 * from its last checkpoint to the very state an uninterrupted run reaches, reading at most one page
 * twice and writing nothing twice.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ResponseAsset } from '../../../../shared/application/ports/vpp-schemas.ts';
import { runSyncJob, SYNC_TIME_RESERVE_MS } from '../../../../shared/application/sync/run-sync-job.ts';
import {
  type DriftReport,
  type SyncContinues,
  SyncSuperseded,
  syncAccount,
} from '../../../../shared/application/sync/sync-account.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { AssignmentRecord } from '../../../../shared/domain/assignment.ts';
import type { Actor } from '../../../../shared/domain/principal.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { anAppleAsset, givenAccount, givenHoldings, givenJob } from '../../support/world.ts';

const actor: Actor = { type: 'system', id: 'sync' };
const ADAMS = ['100000001', '100000002', '100000003'];
const PER_ASSET = 100;
/** More than one page of the search for removals (1,000 of our records a page). */
const GONE = 1_000;
let deps: FakeDeps;
let account: Account;

/** Apple: 250 users, 3 apps of 100 devices each, 50 to a page; ours: 1,000 holdings Apple no longer has. */
async function givenLargeLocation(): Promise<void> {
  deps = fakeDeps();
  account = await givenAccount(deps);
  deps.vpp.pageSize = 50;
  deps.vpp.users = Array.from({ length: 250 }, (_, i) => ({
    clientUserId: `user-${i}`,
    status: 'Associated' as const,
    idHash: `hash-${i}`,
  }));
  // The third app's count has the holding granted after the walk passed its page.
  deps.vpp.assets = ADAMS.map((adamId, i): ResponseAsset => {
    const assignedCount = PER_ASSET + (i === 2 ? 1 : 0);
    return anAppleAsset({ adamId, totalCount: 1000, assignedCount, availableCount: 1000 - assignedCount });
  });
  deps.vpp.assignments = ADAMS.flatMap((adamId) =>
    Array.from({ length: PER_ASSET }, (_, i) => ({
      adamId,
      pricingParam: 'STDQ' as const,
      serialNumber: `S${adamId}-${i}`,
    })),
  );
  givenHoldings(
    deps,
    account,
    ...Array.from({ length: GONE }, (_, i) => ({ adamId: ADAMS[0], subjectId: `ZGONE-${i}` })),
    // In flight: only Apple's answer settles it.
    { adamId: ADAMS[1], subjectId: 'IN-FLIGHT', state: 'pending-revoke' as const, jobId: 'j', eventId: 'e' },
    // Granted after the sync began (a grant Apple answered meanwhile): the next full pass decides.
    { adamId: ADAMS[2], subjectId: 'GRANTED-MEANWHILE', updatedAt: '2099-01-01T00:00:00.000Z' },
  );
}

/** Counts the records each assignment write touches, by key. */
function countAssignmentWrites(): Map<string, number> {
  const written = new Map<string, number>();
  const putMany = deps.assignments.putMany.bind(deps.assignments);
  deps.assignments.putMany = async (records) => {
    for (const r of records) written.set(key(r), (written.get(key(r)) ?? 0) + 1);
    return putMany(records);
  };
  return written;
}
const key = (r: AssignmentRecord) => `${r.adamId}/${r.subjectId}`;

/** What a sync leaves: every record, user and asset, and the sync record. */
async function outcome() {
  return {
    assignments: (await deps.assignments.listByAccount(account.id)).sort((a, b) =>
      key(a).localeCompare(key(b)),
    ),
    users: await deps.users.listByAccount(account.id),
    assets: await deps.assets.listByAccount(account.id),
    state: await deps.syncStates.get(account.id),
  };
}

/** Pages (walk and index) read more than once. */
const readTwice = () => {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const p of deps.vpp.pagesRead) {
    const id = `${p.walk}#${p.pageIndex}`;
    if (seen.has(id)) twice.push(id);
    seen.add(id);
  }
  return twice;
};

/** A run stopped after its `n`-th checkpoint. */
const stoppingAfter = (n: number) => {
  let checkpoints = 0;
  return () => ++checkpoints >= n;
};

/** What an uninterrupted run does: its report and outcome, its checkpoints and its writes of assignments. */
async function uninterrupted() {
  await givenLargeLocation();
  let writes = 0;
  const putMany = deps.assignments.putMany.bind(deps.assignments);
  deps.assignments.putMany = async (records) => {
    writes++;
    return putMany(records);
  };
  const report: DriftReport = await syncAccount(deps, account, { full: true, actor, jobId: 'run-1' });
  return { report, after: await outcome(), checkpoints: deps.syncStates.checkpointCount(account.id), writes };
}

describe('a full sync, page by page', () => {
  beforeEach(givenLargeLocation);

  it('writes each record once on a first pass, finds removals from our side, and none when nothing changed', async () => {
    const written = countAssignmentWrites();
    const report = await syncAccount(deps, account, { full: true, actor, jobId: 'run-1' });
    expect(report.assignments).toMatchObject({
      foundAtApple: 3 * PER_ASSET,
      goneAtApple: GONE,
      inFlightLeftAlone: 0,
    });
    expect(report.users).toEqual({ added: 250, updated: 0 });
    // One write per record: 300 found, 1,000 gone; none twice.
    expect(written.size).toBe(3 * PER_ASSET + GONE);
    expect(Math.max(...written.values())).toBe(1);
    const after = await outcome();
    expect(after.assignments.filter((r) => r.subjectId.startsWith('ZGONE-')).map((r) => r.state)).toEqual(
      Array(GONE).fill('revoked'),
    );
    expect(after.assignments.find((r) => r.subjectId === 'IN-FLIGHT')).toMatchObject({
      state: 'pending-revoke',
    });
    expect(after.assignments.find((r) => r.subjectId === 'GRANTED-MEANWHILE')).toMatchObject({
      state: 'granted',
    });
    // Each asset's holders counted by the walk of our records.
    expect(after.assets.map((a) => a.holderCount)).toEqual([PER_ASSET, PER_ASSET + 1, PER_ASSET + 1]);
    expect(after.state).toMatchObject({ lastJobId: 'run-1', counts: { assignments: 3 * PER_ASSET + 1 } });
    // Apple: each page once. Bookkeeping: one checkpoint per page read (users, assets, assignments, ours).
    expect(readTwice()).toEqual([]);
    const pages = deps.vpp.pagesRead.length;
    expect(pages).toBe(5 + 6);
    expect(deps.syncStates.checkpointCount(account.id)).toBe(pages + 1 + 2);

    written.clear();
    const again = await syncAccount(deps, account, { full: true, actor, jobId: 'run-2' });
    expect(again.assignments).toMatchObject({ foundAtApple: 0, goneAtApple: 0 });
    expect(written.size).toBe(0);
  });

  it('marks nothing gone when the walk saw Apple change (another version on a later page)', async () => {
    deps.vpp.consistent = false;
    const report = await syncAccount(deps, account, { full: true, actor, jobId: 'run-1' });
    expect(report).toMatchObject({ unstableRead: true, assignments: { goneAtApple: 0 } });
    expect((await outcome()).assignments.filter((r) => r.state === 'revoked')).toEqual([]);
    expect((await deps.syncStates.get(account.id))?.lastFullSyncAt).toBeUndefined();
  });
});

describe('a sync that stops and continues', () => {
  it('reaches the same state and report from a stop at any checkpoint, reading no page twice', async () => {
    const baseline = await uninterrupted();
    for (let n = 1; n < baseline.checkpoints; n++) {
      await givenLargeLocation();
      const written = countAssignmentWrites();
      const first = await syncAccount(deps, account, {
        full: true,
        actor,
        jobId: 'run-1',
        outOfTime: stoppingAfter(n),
      });
      expect(first, `stop after checkpoint ${n}`).toEqual<SyncContinues>({ continues: true });
      expect(deps.syncStates.checkpointCount(account.id)).toBe(n);
      const report = await syncAccount(deps, account, { full: true, actor, jobId: 'run-1' });
      expect(report, `stop after checkpoint ${n}`).toEqual(baseline.report);
      expect(await outcome(), `stop after checkpoint ${n}`).toEqual(baseline.after);
      expect(readTwice(), `stop after checkpoint ${n}`).toEqual([]);
      expect(Math.max(...written.values()), `stop after checkpoint ${n}`).toBe(1);
    }
  }, 30_000);

  it('reaches the same state when its worker dies in the middle of any page, reading that page twice at most', async () => {
    const baseline = await uninterrupted();
    // Every write of assignments in the run: the pages found, then the two pages of removals
    // (our records sort by asset and subject: the first page ends among the gone ones).
    expect(baseline.writes).toBe(6 + 2);
    for (let dies = 1; dies <= baseline.writes; dies++) {
      await givenLargeLocation();
      const written = countAssignmentWrites();
      // The worker dies after the page's writes, before its checkpoint.
      const putMany = deps.assignments.putMany;
      let calls = 0;
      deps.assignments.putMany = async (records) => {
        await putMany(records);
        if (++calls === dies) throw new Error('the worker died');
      };
      await expect(syncAccount(deps, account, { full: true, actor, jobId: 'run-1' })).rejects.toThrow('died');
      deps.assignments.putMany = putMany;
      // The message's next delivery: the same run.
      await syncAccount(deps, account, { full: true, actor, jobId: 'run-1' });
      const after = await outcome();
      expect(after, `died in write ${dies}`).toEqual(baseline.after);
      expect(readTwice().length, `died in write ${dies}`).toBeLessThanOrEqual(1);
      expect(Math.max(...written.values()), `died in write ${dies}`).toBe(1);
    }
  }, 30_000);

  it('lets only one of two deliveries of a run go on from a checkpoint', async () => {
    await givenLargeLocation();
    await syncAccount(deps, account, { full: true, actor, jobId: 'run-1', outOfTime: stoppingAfter(5) });
    const both = await Promise.allSettled([
      syncAccount(deps, account, { full: true, actor, jobId: 'run-1' }),
      syncAccount(deps, account, { full: true, actor, jobId: 'run-1' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(both.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(SyncSuperseded) });
  });
});

describe('runSyncJob near the end of its invocation', () => {
  it('sends the same sync on, which finishes the job from where it stopped', async () => {
    await givenLargeLocation();
    await givenJob(deps, { id: 'job-9', type: 'sync', state: 'queued', requested: 3, accountId: account.id });
    const message = {
      orgId: account.orgId,
      accountId: account.id,
      jobId: 'job-9',
      full: true,
      scheduled: false,
    };
    let left = SYNC_TIME_RESERVE_MS * 3;
    // Each checkpoint costs a minute of the invocation: the third leaves less than the reserve.
    const remainingMs = () => (left -= 60_000);
    await runSyncJob(deps, message, { receiveCount: 1, maxReceiveCount: 5, remainingMs });
    expect((await deps.jobs.get('job-9'))?.state).toBe('running');
    const [continuation] = deps.queue.take('jobs');
    expect(continuation?.message).toEqual({ type: 'sync', ...message });
    expect(deps.syncStates.checkpointCount(account.id)).toBe(3);

    await runSyncJob(deps, message, { receiveCount: 1, maxReceiveCount: 5, remainingMs: () => 600_000 });
    const job = await deps.jobs.get('job-9');
    expect(job?.state).toBe('succeeded');
    expect(job?.summary).toMatchObject({
      drift: { assignments: { foundAtApple: 3 * PER_ASSET, goneAtApple: GONE } },
    });
    expect(deps.queue.take('jobs')).toEqual([]);
    expect(readTwice()).toEqual([]);
  });
});
