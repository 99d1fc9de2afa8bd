/**
 * The one way a sync of an account starts (SPEC §5.3): a message on the jobs queue, which the jobs
 * worker runs (`runSyncJob`, then `syncAccount`). Its callers: adding an account (a full sync),
 * an admin's "sync now" (`startAccountSync`) and the nightly schedule (`scheduleSyncs`).
 * - A requested sync has a job (type `sync`, three steps: users, assets, assignments) from the start.
 * - A scheduled sync creates no job record up front: the worker creates one only if it finds
 *   something to change, so a nightly sync with nothing new leaves nothing behind.
 * (A notification that needs Apple's truth re-reads only what it concerns, with the sync's own
 * mapping, `compareHoldings` and `assetFromApple` in ../apple-records.ts; it starts no sync.)
 */
import type { Job } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import { createJob } from '../jobs/new-job.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';

export interface StartSyncDeps {
  readonly jobs: JobRepository;
  readonly queue: MessageQueue;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export interface SyncStart {
  readonly orgId: string;
  readonly accountId: string;
  /** Read everything from Apple, not only what changed since the last sync. */
  readonly full: boolean;
  readonly actor: Actor;
}

/** Starts a requested sync: its job, queued. */
export function startSync(deps: StartSyncDeps, input: SyncStart & { scheduled?: false }): Promise<Job>;
/** Starts a scheduled sync: no job until it finds something. */
export function startSync(deps: StartSyncDeps, input: SyncStart & { scheduled: true }): Promise<undefined>;
export async function startSync(
  deps: StartSyncDeps,
  input: SyncStart & { scheduled?: boolean },
): Promise<Job | undefined> {
  const jobId = deps.ids.newId();
  const { orgId, accountId, actor } = input;
  const job = input.scheduled
    ? undefined
    : await createJob(deps, { id: jobId, orgId, accountId, type: 'sync', requested: 3, actor });
  await deps.queue.send('jobs', {
    type: 'sync',
    orgId,
    accountId,
    jobId,
    full: input.full,
    scheduled: input.scheduled ?? false,
  });
  return job;
}
