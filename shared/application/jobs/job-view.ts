/** A job as answers show it: the caller's own organisation is left out. */
import type { Job } from '../../domain/job.ts';
import type { Rejection } from '../licenses/request-licenses.ts';

export type JobView = Omit<Job, 'orgId'>;

export function toJobView(job: Job): JobView {
  const { orgId: _org, ...view } = job;
  return view;
}

/** A job started for the subjects that passed the rules, and the others with the reason each was refused. */
export interface StartedJob {
  job: JobView;
  rejected: Rejection[];
}
