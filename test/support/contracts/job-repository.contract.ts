/**
 * What the job use cases rely on from a `JobRepository`: counts are added (several workers report on
 * one job), the state follows the counts (queued → running → succeeded, partially failed or failed) and
 * never leaves a final state, one failure is kept per subject, and writes to a job that is not there fail.
 * Lists are newest first, per organisation or per account (organisation-wide jobs only in the first),
 * filtered by type and state, and paged without losing or repeating a job.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type {
  JobListQuery,
  JobRepository,
  JobScope,
} from '../../../shared/application/ports/job-repository.ts';
import type { Job, JobBatch } from '../../../shared/domain/job.ts';
import { aJob, type ContractEnv, type Make, newEnv, STAMP, uid } from './support.ts';

export function describeJobRepositoryContract(name: string, make: Make<JobRepository>): void {
  describe(`JobRepository contract: ${name}`, () => {
    let env: ContractEnv;
    let repo: JobRepository;
    beforeEach(async () => {
      env = newEnv();
      repo = await make(env);
    });

    const batchOf = (jobId: string, index: number): JobBatch => ({
      jobId,
      index,
      kind: 'grant',
      orgId: 'org-1',
      accountId: 'account-1',
      asset: { adamId: '361309726', pricingParam: 'STDQ' },
      source: 'manual',
      subjects: [
        { type: 'device', id: `S${index}` },
        { type: 'user', id: `u${index}` },
      ],
      createdAt: STAMP,
    });

    it('writes a job with its batches at once, and reads the batches in order', async () => {
      const job = aJob();
      const batches = [0, 1, 2].map((i) => batchOf(job.id, i));
      await repo.createWithBatches(job, [...batches].reverse());
      expect(await repo.get(job.id)).toEqual(job);
      expect(await repo.batches(job.id)).toEqual(batches);
      // A job that exists is refused, and so are its new batches with it.
      await expect(repo.createWithBatches(job, [batchOf(job.id, 3)])).rejects.toThrow();
      expect(await repo.batches(job.id)).toHaveLength(3);
      expect(await repo.batches(uid('none'))).toEqual([]);
    });

    it('gives a batch to one delivery: the same claim may take it again, another may not, nor a closed one', async () => {
      const job = aJob();
      await repo.createWithBatches(job, [batchOf(job.id, 0)]);
      const first = await repo.takeBatch(job.id, 0, { id: 'claim:m1', at: '2026-03-02T09:01:00.000Z' });
      // The batch as it was before: not claimed.
      expect(first).toMatchObject({ taken: true, batch: { index: 0 } });
      expect(first.batch).not.toHaveProperty('claim');
      const again = await repo.takeBatch(job.id, 0, { id: 'claim:m1', at: '2026-03-02T09:02:00.000Z' });
      expect(again).toMatchObject({
        taken: true,
        batch: { claim: { id: 'claim:m1', at: '2026-03-02T09:01:00.000Z' } },
      });
      expect(
        await repo.takeBatch(job.id, 0, { id: 'claim:m2', at: '2026-03-02T09:03:00.000Z' }),
      ).toMatchObject({
        taken: false,
        batch: { claim: { id: 'claim:m1', at: '2026-03-02T09:02:00.000Z' } },
      });
      expect(await repo.takeBatch(job.id, 7, { id: 'claim:m1', at: STAMP })).toEqual({
        taken: false,
        batch: undefined,
      });
    });

    it('lets a resumed delivery take over a claim older than it says, and only that', async () => {
      const job = aJob();
      await repo.createWithBatches(job, [batchOf(job.id, 0)]);
      await repo.takeBatch(job.id, 0, { id: 'claim:dead', at: '2026-03-02T09:00:00.000Z' });
      const young = await repo.takeBatch(
        job.id,
        0,
        { id: 'claim:resume', at: '2026-03-02T09:30:00.000Z' },
        { takeOverBefore: '2026-03-02T08:30:00.000Z' },
      );
      expect(young.taken).toBe(false);
      const old = await repo.takeBatch(
        job.id,
        0,
        { id: 'claim:resume', at: '2026-03-02T10:30:00.000Z' },
        { takeOverBefore: '2026-03-02T09:30:00.000Z' },
      );
      expect(old).toMatchObject({ taken: true, batch: { claim: { id: 'claim:dead' } } });
      expect((await repo.batches(job.id))[0]?.claim).toEqual({
        id: 'claim:resume',
        at: '2026-03-02T10:30:00.000Z',
      });
    });

    it('stores a job once: a second job with its id is refused', async () => {
      const job = aJob();
      await repo.create(job);
      expect(await repo.get(job.id)).toEqual(job);
      await expect(repo.create({ ...job, type: 'sync' })).rejects.toThrow();
      expect(await repo.get(job.id)).toMatchObject({ type: 'grant' });
      expect(await repo.get(uid('missing'))).toBeUndefined();
    });

    it('starts a queued job only (stamping the time), and never creates one', async () => {
      const job = aJob();
      await repo.create(job);
      env.clock.advance({ minutes: 1 });
      await repo.start(job.id);
      expect(await repo.get(job.id)).toMatchObject({ state: 'running', updatedAt: env.clock.iso() });
      await repo.finish(job.id, 'succeeded');
      await repo.start(job.id);
      expect(await repo.get(job.id)).toMatchObject({ state: 'succeeded' });
      const ghost = uid('ghost');
      await repo.start(ghost);
      expect(await repo.get(ghost)).toBeUndefined();
    });

    it('adds outcomes and moves the state on: running while items are open, succeeded when all are done', async () => {
      const job = aJob({ requested: 3 });
      await repo.create(job);
      expect(await repo.recordProgress(job.id, { completed: 1 })).toMatchObject({
        state: 'running',
        completed: 1,
      });
      await Promise.all([
        repo.recordProgress(job.id, { completed: 1 }),
        repo.recordProgress(job.id, { completed: 1 }),
      ]);
      expect(await repo.get(job.id)).toMatchObject({ state: 'succeeded', completed: 3, failed: 0 });
    });

    it('ends partially failed with some failures, failed with nothing done, keeping one failure per subject', async () => {
      const some = aJob({ requested: 2 });
      const none = aJob({ requested: 2 });
      await repo.create(some);
      await repo.create(none);
      const failure = (subject: string, reason: string) => ({
        subject,
        code: 'apple.not_enough_licenses',
        reason,
      });
      await repo.recordProgress(some.id, { completed: 1 });
      expect(
        await repo.recordProgress(some.id, { failures: [failure('device:A', 'none left')] }),
      ).toMatchObject({
        state: 'partially_failed',
      });
      await repo.recordProgress(none.id, {
        failures: [failure('device:A', 'first'), failure('device:B', 'x')],
      });
      const failed = await repo.get(none.id);
      expect(failed).toMatchObject({ state: 'failed', failed: 2 });
      await repo.putFailures(none.id, [failure('device:A', 'second')]);
      const again = await repo.get(none.id);
      expect(again?.failures.map((f) => `${f.subject}=${f.reason}`).sort()).toEqual([
        'device:A=second',
        'device:B=x',
      ]);
      expect(again?.failed).toBe(2);
    });

    it('grows a job that found more to do', async () => {
      const job = aJob({ requested: 1 });
      await repo.create(job);
      await repo.recordProgress(job.id, { completed: 1, addRequested: 2 });
      expect(await repo.get(job.id)).toMatchObject({ requested: 3, completed: 1, state: 'running' });
    });

    it('keeps a final state whatever is reported later', async () => {
      const job = aJob({ requested: 2 });
      await repo.create(job);
      await repo.finish(job.id, 'failed', { reason: 'account removed' });
      await repo.recordProgress(job.id, { completed: 2 });
      expect(await repo.moveOn(job.id)).toBe(false);
      expect(await repo.get(job.id)).toMatchObject({
        state: 'failed',
        summary: { reason: 'account removed' },
      });
    });

    it('limits the failures read, and reads none when asked for none', async () => {
      const job = aJob({ requested: 5 });
      await repo.create(job);
      await repo.putFailures(
        job.id,
        ['a', 'b', 'c'].map((s) => ({ subject: `user:${s}`, code: 'x', reason: 'y' })),
      );
      expect((await repo.get(job.id, { maxFailures: 2 }))?.failures).toHaveLength(2);
      expect((await repo.get(job.id, { maxFailures: 0 }))?.failures).toEqual([]);
      expect((await repo.get(job.id))?.failures).toHaveLength(3);
    });

    /** Jobs created a minute apart, in the order given (the last is the newest). */
    const createInOrder = async (...jobs: Job[]): Promise<Job[]> => {
      const made: Job[] = [];
      for (const [i, job] of jobs.entries()) {
        const at = new Date(Date.parse(STAMP) + i * 60_000).toISOString();
        const stamped = { ...job, createdAt: at, updatedAt: at };
        await repo.create(stamped);
        made.push(stamped);
      }
      return made;
    };

    /** Every page of a list, following its cursors. */
    const allPages = async (scope: JobScope, query: Omit<JobListQuery, 'cursor'>) => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.list(scope, { ...query, cursor });
        pages.push(page.items.map((j) => j.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages.length < 20);
      return pages;
    };

    it("lists an organisation's jobs newest first, without failures and without another organisation's", async () => {
      const orgId = uid('org');
      const [a, b, c] = await createInOrder(
        aJob({ orgId, accountId: uid('account') }),
        aJob({ orgId, accountId: undefined, type: 'device-removal' }),
        aJob({ orgId, accountId: uid('account') }),
        aJob({ orgId: uid('org') }),
      );
      await repo.putFailures(String(a?.id), [{ subject: 'device:A', code: 'x', reason: 'y' }]);
      const listed = await repo.list({ orgId }, { limit: 10 });
      expect(listed.items.map((j) => j.id)).toEqual([c?.id, b?.id, a?.id]);
      expect(listed.items.every((j) => j.failures.length === 0)).toBe(true);
      expect(listed.nextCursor).toBeUndefined();
      expect(await repo.list({ orgId: uid('org') }, { limit: 10 })).toEqual({ items: [] });
    });

    it('lists the jobs of the accounts named, merged newest first; organisation-wide jobs are not among them', async () => {
      const orgId = uid('org');
      const [one, two, three] = [uid('account'), uid('account'), uid('account')];
      const [a1, , b1, c1, a2] = await createInOrder(
        aJob({ orgId, accountId: one }),
        aJob({ orgId, accountId: undefined, type: 'device-removal' }),
        aJob({ orgId, accountId: two }),
        aJob({ orgId, accountId: three }),
        aJob({ orgId, accountId: one }),
      );
      const listed = await repo.list({ orgId, accountIds: [one, two] }, { limit: 10 });
      expect(listed.items.map((j) => j.id)).toEqual([a2?.id, b1?.id, a1?.id]);
      expect((await repo.list({ orgId, accountIds: [three] }, { limit: 10 })).items.map((j) => j.id)).toEqual(
        [c1?.id],
      );
      expect(await repo.list({ orgId, accountIds: [] }, { limit: 10 })).toEqual({ items: [] });
      // An account of another organisation: its jobs are not this organisation's.
      expect(await repo.list({ orgId: uid('org'), accountIds: [one] }, { limit: 10 })).toEqual({ items: [] });
    });

    it('pages newest first with a cursor, through one list and through merged ones, each job once', async () => {
      const orgId = uid('org');
      const [one, two] = [uid('account'), uid('account')];
      const made = await createInOrder(
        ...Array.from({ length: 7 }, (_, i) => aJob({ orgId, accountId: i % 2 === 0 ? one : two })),
      );
      const newestFirst = made.map((j) => j.id).reverse();
      const org = await allPages({ orgId }, { limit: 3 });
      expect(org.flat()).toEqual(newestFirst);
      expect(org.slice(0, -1).every((page) => page.length === 3)).toBe(true);
      expect((await allPages({ orgId, accountIds: [one, two] }, { limit: 2 })).flat()).toEqual(newestFirst);
      expect((await allPages({ orgId, accountIds: [two] }, { limit: 2 })).flat()).toEqual(
        made
          .filter((j) => j.accountId === two)
          .map((j) => j.id)
          .reverse(),
      );
    });

    it('filters by type and by state (the state the counts give), paging through the rest', async () => {
      const orgId = uid('org');
      const accountId = uid('account');
      const made = await createInOrder(
        aJob({ orgId, accountId, type: 'sync', requested: 1 }),
        aJob({ orgId, accountId, type: 'grant', requested: 1 }),
        aJob({ orgId, accountId, type: 'sync', requested: 1 }),
        aJob({ orgId, accountId, type: 'grant', requested: 2 }),
        aJob({ orgId, accountId, type: 'sync', requested: 1 }),
      );
      const ids = made.map((j) => j.id);
      await repo.recordProgress(String(ids[3]), { completed: 1 });
      await repo.recordProgress(String(ids[0]), { completed: 1 });
      expect((await allPages({ orgId }, { limit: 1, type: 'sync' })).flat()).toEqual([
        ids[4],
        ids[2],
        ids[0],
      ]);
      expect(
        (await allPages({ orgId, accountIds: [accountId] }, { limit: 5, state: 'running' })).flat(),
      ).toEqual([ids[3]]);
      expect((await repo.list({ orgId }, { limit: 5, type: 'sync', state: 'succeeded' })).items).toEqual([
        expect.objectContaining({ id: ids[0], state: 'succeeded' }),
      ]);
      expect((await repo.list({ orgId }, { limit: 5, type: 'retirement' })).items).toEqual([]);
    });

    it('notes the Apple event a job waits for, never on a job ended or not there', async () => {
      const job = aJob();
      const ended = aJob();
      await repo.create(job);
      await repo.create(ended);
      await repo.finish(ended.id, 'succeeded');
      const wait = { eventId: 'event-1', nextCheckAt: '2026-03-02T09:05:00.000Z' };
      await repo.awaitEvent(job.id, wait);
      await repo.awaitEvent(ended.id, wait);
      const ghost = uid('ghost');
      await repo.awaitEvent(ghost, wait);
      expect((await repo.get(job.id))?.awaitingEvent).toEqual(wait);
      await repo.awaitEvent(job.id, { eventId: 'event-2', nextCheckAt: '2026-03-02T09:10:00.000Z' });
      expect((await repo.get(job.id))?.awaitingEvent?.eventId).toBe('event-2');
      expect((await repo.get(ended.id))?.awaitingEvent).toBeUndefined();
      expect(await repo.get(ghost)).toBeUndefined();
    });

    it('sets a summary, refuses writes to a job that is not there, and deletes a job', async () => {
      const job = aJob();
      await repo.create(job);
      await repo.setSummary(job.id, { drift: { users: 1 } });
      expect(await repo.get(job.id)).toMatchObject({ summary: { drift: { users: 1 } } });
      const ghost = uid('ghost');
      await expect(repo.recordProgress(ghost, { completed: 1 })).rejects.toThrow();
      await expect(repo.finish(ghost, 'failed')).rejects.toThrow();
      await expect(repo.setSummary(ghost, {})).rejects.toThrow();
      expect(await repo.moveOn(ghost)).toBe(false);
      expect(await repo.get(ghost)).toBeUndefined();
      await repo.delete(job.id);
      expect(await repo.get(job.id)).toBeUndefined();
    });
  });
}
