/**
 * Reads one job for its caller.
 * 1. Load the job with its failures.
 * 2. Answer 404 unless it belongs to the caller's organisation (another organisation's job does not
 *    exist), and, for an `admin`, unless it is about an account that lists them (or no account).
 * Errors: `job.not_found`.
 */
import { NotFoundError } from '../../domain/errors.ts';
import { canReadAccount, type Principal } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import { type JobView, toJobView } from './job-view.ts';

export async function getJob(
  deps: { jobs: JobRepository; accounts: AccountRepository },
  principal: Principal,
  jobId: string,
): Promise<JobView> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.orgId !== principal.orgId) throw new NotFoundError('Job');
  if (principal.role === 'admin' && job.accountId) {
    const account = await deps.accounts.get(job.accountId);
    if (!account || !canReadAccount(principal, account)) throw new NotFoundError('Job');
  }
  return toJobView(job);
}
