/**
 * What the job use cases rely on from a `JobRepository`: counts are added (several workers report on
 * one job), the state follows the counts (queued → running → succeeded, partially failed or failed) and
 * never leaves a final state, one failure is kept per subject, and writes to a job that is not there fail.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobRepository } from '../../../shared/application/ports/job-repository.ts';
import { aJob, type ContractEnv, type Make, newEnv, uid } from './support.ts';

export function describeJobRepositoryContract(name: string, make: Make<JobRepository>): void {
  describe(`JobRepository contract: ${name}`, () => {
    let env: ContractEnv;
    let repo: JobRepository;
    beforeEach(async () => {
      env = newEnv();
      repo = await make(env);
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
