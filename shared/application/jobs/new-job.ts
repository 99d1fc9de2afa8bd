/** A job as a use case starts it (SPEC §3): nothing done yet, made by its actor, now. */
import type { Job, JobState, JobType } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';

/** How a job names who made it: a person's e-mail, or `schedule:<id>`, `apple:<id>`, `system:<id>`. */
const actorName = (actor: Actor): string =>
  actor.type === 'user' ? actor.email : `${actor.type}:${actor.id}`;

export function newJob(start: {
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
}): Job {
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
