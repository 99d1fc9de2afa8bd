/**
 * Reading jobs (SPEC §4), one job or the list, on one rule of who sees which (`jobScope`):
 * org-admins and viewers see every job of their organisation; an admin sees the jobs of the accounts
 * that list them, and no organisation-wide job (a device removal, which only an org-admin starts).
 * Another organisation's job, or one the caller may not see, does not exist for them (404); a list
 * filtered to an account the caller may not see (or that is not there) lists nothing.
 * Errors: `job.not_found`.
 */
import { NotFoundError } from '../../domain/errors.ts';
import type { Job, JobState, JobType } from '../../domain/job.ts';
import { canReadAccount, type Principal } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository, JobScope } from '../ports/job-repository.ts';
import { type JobListItem, type JobView, toJobListItem, toJobView } from './job-view.ts';

export interface JobReadDeps {
  readonly jobs: JobRepository;
  readonly accounts: AccountRepository;
  readonly clock: Clock;
}

/** The jobs the caller may see, narrowed to one account's when `accountId` is given. */
export async function jobScope(
  deps: Pick<JobReadDeps, 'accounts'>,
  principal: Principal,
  accountId?: string,
): Promise<JobScope> {
  const orgId = principal.orgId;
  if (accountId !== undefined) {
    const account = await deps.accounts.get(accountId);
    const visible = account?.orgId === orgId && canReadAccount(principal, account);
    return { orgId, accountIds: visible ? [accountId] : [] };
  }
  if (principal.role !== 'admin') return { orgId };
  const accounts = await deps.accounts.listByOrg(orgId);
  return { orgId, accountIds: accounts.filter((a) => canReadAccount(principal, a)).map((a) => a.id) };
}

const inScope = (scope: JobScope, job: Job): boolean =>
  job.orgId === scope.orgId &&
  (scope.accountIds === undefined ||
    (job.accountId !== undefined && scope.accountIds.includes(job.accountId)));

/** One job with its failures, if the caller may see it. */
export async function getJob(deps: JobReadDeps, principal: Principal, jobId: string): Promise<JobView> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.orgId !== principal.orgId) throw new NotFoundError('Job');
  if (!inScope(await jobScope(deps, principal, job.accountId), job)) throw new NotFoundError('Job');
  return toJobView(job, deps.clock.now());
}

export interface JobListFilter {
  readonly type?: JobType | undefined;
  readonly state?: JobState | undefined;
  readonly accountId?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** The jobs the caller may see, newest first, filtered by type, state and account. */
export async function listJobs(
  deps: JobReadDeps,
  principal: Principal,
  filter: JobListFilter,
): Promise<{ items: JobListItem[]; nextCursor?: string }> {
  const scope = await jobScope(deps, principal, filter.accountId);
  if (scope.accountIds?.length === 0) return { items: [] };
  const page = await deps.jobs.list(scope, {
    type: filter.type,
    state: filter.state,
    limit: filter.limit,
    cursor: filter.cursor,
  });
  const now = deps.clock.now();
  return {
    items: page.items.map((job) => toJobListItem(job, now)),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  };
}
