/**
 * Starts a sync of one account: a job (type `sync`) and a message on the jobs queue. A scheduled sync
 * creates no job record up front: the worker creates one only if it finds something to change, so a
 * nightly sync with nothing new leaves nothing behind (SPEC §5.3).
 */
import type { Job } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import { newJob } from '../jobs/new-job.ts';
import type { AccountDeps } from './account-deps.ts';

export async function requestSync(
  deps: Pick<AccountDeps, 'jobs' | 'queue' | 'ids' | 'clock'>,
  input: { orgId: string; accountId: string; full: boolean; actor: Actor; scheduled?: boolean },
): Promise<Job | undefined> {
  const jobId = deps.ids.newId();
  const now = deps.clock.now().toISOString();
  let job: Job | undefined;
  if (!input.scheduled) {
    job = newJob({
      id: jobId,
      orgId: input.orgId,
      accountId: input.accountId,
      type: 'sync',
      requested: 3,
      actor: input.actor,
      now,
    });
    await deps.jobs.create(job);
  }
  await deps.queue.send('jobs', {
    type: 'sync',
    orgId: input.orgId,
    accountId: input.accountId,
    jobId,
    full: input.full,
    scheduled: input.scheduled ?? false,
  });
  return job;
}
