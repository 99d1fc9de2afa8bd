/** A job as a use case starts it (SPEC §3): nothing done yet, made by its actor, now. */
import type { Job, JobState, JobType } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';

/** How a job names who made it: a person's e-mail, or `schedule:<id>`, `apple:<id>`, `system:<id>`. */
const actorName = (actor: Actor): string =>
  actor.type === 'user' ? actor.email : `${actor.type}:${actor.id}`;

/** What a job starts with. */
export interface JobStart {
  id: string;
  orgId: string;
  accountId?: string;
  type: JobType;
  requested: number;
  summary?: Record<string, unknown>;
  /** @default 'queued' (a job with nothing to do may start as `succeeded`) */
  state?: JobState;
  actor: Actor;
  now: string;
  /** A debounced job: when its run is due. */
  debouncedUntil?: string;
}

export function newJob(start: JobStart): Job {
  return {
    id: start.id,
    orgId: start.orgId,
    ...(start.accountId !== undefined ? { accountId: start.accountId } : {}),
    type: start.type,
    state: start.state ?? 'queued',
    requested: start.requested,
    completed: 0,
    failed: 0,
    failures: [],
    ...(start.summary ? { summary: start.summary } : {}),
    createdBy: actorName(start.actor),
    createdAt: start.now,
    updatedAt: start.now,
    ...(start.debouncedUntil !== undefined ? { debouncedUntil: start.debouncedUntil } : {}),
  };
}

/** Starts a job now and stores it: a new id unless `id` is given, the clock's time. */
export async function createJob(
  deps: { readonly jobs: JobRepository; readonly ids: IdGenerator; readonly clock: Clock },
  start: Omit<JobStart, 'id' | 'now'> & { id?: string },
): Promise<Job> {
  const job = newJob({ ...start, id: start.id ?? deps.ids.newId(), now: deps.clock.now().toISOString() });
  await deps.jobs.create(job);
  return job;
}
