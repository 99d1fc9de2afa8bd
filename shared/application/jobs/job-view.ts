/** A job as answers show it: the caller's own organisation is left out. */
import type { Job } from '../../domain/job.ts';
import type { Rejection } from '../licenses/request-licenses.ts';

export type JobView = Omit<Job, 'orgId'>;

export function toJobView(job: Job): JobView {
  const { orgId: _org, ...view } = job;
  return view;
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
