/**
 * A job as answers show it: the caller's own organisation is left out, and what the job waits for
 * (`waitingFor`, from `waitingFor` in domain/job.ts) replaces the record's own bookkeeping of it.
 */
import { type Job, type WaitingFor, waitingFor } from '../../domain/job.ts';
import type { Rejection } from '../licenses/request-licenses.ts';

export type JobView = Omit<Job, 'orgId' | 'debouncedUntil' | 'awaitingEvent'> & { waitingFor?: WaitingFor };

/** A job in a list: its failures are only in the job itself (`GET /v1/jobs/{id}`); `failed` counts them. */
export type JobListItem = Omit<JobView, 'failures'>;

/** `now` decides whether a debounce is still running; a job just made is seen at its own time. */
export function toJobView(job: Job, now: Date = new Date(job.updatedAt)): JobView {
  const { orgId: _org, debouncedUntil: _due, awaitingEvent: _event, ...view } = job;
  const waiting = waitingFor(job, now);
  return { ...view, ...(waiting ? { waitingFor: waiting } : {}) };
}

export function toJobListItem(job: Job, now: Date): JobListItem {
  const { failures: _failures, ...item } = toJobView(job, now);
  return item;
}

/**
 * What every call that starts a job answers: the job, started for the subjects that passed the rules,
 * and the others with the reason each was refused (empty where nothing is checked per subject).
 */
export interface StartedJob {
  job: JobView;
  rejected: Rejection[];
}

export const toStartedJob = (job: Job, rejected: Rejection[] = []): StartedJob => ({
  job: toJobView(job),
  rejected,
});
