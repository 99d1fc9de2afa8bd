/**
 * Retiring users (SPEC §4 retirements).
 * - requestRetirements: the caller manages the account; users not yet retired are accepted. A user
 *   Apple never knew (New) is retired here at once. For the others, their revocable licences move to
 *   pending-revoke; the job counts those licences and the users. Books stay with the person (Apple
 *   cannot take them back) and are reported in the job's summary.
 * - runRetirementJob: Apple's `assets/revoke` for the users' licences; as soon as a user's licences
 *   are back (Apple's ASSET_MANAGEMENT notification, or the revocation's status poll when it is late),
 *   Apple's `users/retire` (retireAtApple); users become Retired when Apple says so (USER_MANAGEMENT,
 *   or the retirement's status poll).
 */
import { type AssignmentRecord, IN_FLIGHT } from '../../domain/assignment.ts';
import { canMove, next } from '../../domain/assignment-state.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type StartedJob, toJobView } from '../jobs/job-view.ts';
import { revokeAll } from '../licenses/revoke-all.ts';
import type { SubmitDeps } from '../licenses/submit-licenses.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import { RetryLaterError } from '../retry-later.ts';
import { failUsers, recordUserSubmission, retryWhileApplePasses } from './apply-apple-users.ts';
import type { InvitationDeps } from './invitations.ts';
import { acceptUsers, queueUserJob, type Refusal, startUserJob } from './user-jobs.ts';

export type RetirementDeps = InvitationDeps & SubmitDeps;

/** Any user not yet retired (nor being retired) may be retired. */
function refuseRetirement(user: VppUser): Refusal {
  if (user.status === 'Retired')
    return { code: 'user.already_retired', reason: 'The user is already retired.' };
  if (user.pending?.kind === 'retirement')
    return { code: 'user.busy', reason: 'The user is already being retired.' };
  return undefined;
}

export async function requestRetirements(
  deps: RetirementDeps,
  principal: Principal,
  accountId: string,
  userIds: readonly string[],
): Promise<StartedJob> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const { accepted, rejected } = await acceptUsers(deps, account, 'retirement', userIds, refuseRetirement);
  const actor = actorOf(principal);

  const now = deps.clock.now().toISOString();
  const registered = accepted.filter((u) => u.status !== 'New');
  const holdings = [];
  let booksKept = 0;
  for (const user of registered) {
    for (const record of await deps.assignments.listBySubject(account.orgId, account.id, 'user', user.id)) {
      if (!canMove(record.state, 'revoke')) continue;
      const asset = await deps.assets.get(account.id, record.adamId, record.pricingParam);
      if (asset && !asset.revocable) booksKept++;
      else holdings.push(record);
    }
  }
  const job = await startUserJob(deps, account, actor, 'retirement', registered, {
    requested: accepted.length + holdings.length,
    summary: { users: accepted.length, licencesToRevoke: holdings.length, booksKept },
  });
  // Users Apple never knew: retired here and now.
  for (const user of accepted.filter((u) => u.status === 'New')) {
    await deps.users.replace(user, { ...user, status: 'Retired', updatedAt: now });
    await deps.jobs.recordProgress(job.id, { completed: 1 });
  }
  for (const record of holdings) {
    const moved = next(record, 'revoke', now, { jobId: job.id, eventId: undefined });
    await deps.assignments.transition(moved.record, moved.from);
  }
  if (registered.length > 0) await queueUserJob(deps, account, 'retirement', job.id, registered);
  await auditTrail(deps, account.orgId, actor).account(account.id, 'user.retirements_requested', 'accepted', {
    jobId: job.id,
    users: accepted.length,
    licencesToRevoke: holdings.length,
    booksKept,
    rejected: rejected.length,
  });
  return { job: toJobView(job), rejected };
}

/**
 * Apple's `users/retire` for the users of the job (among `userIds`) whose licences have been taken
 * back: none of their licences of this job is still in flight (revoked, or refused by Apple). Called
 * by whatever learns first that a step ended — the job itself (nothing to revoke), Apple's
 * notification of the revocation, or the revocation's status poll when that notification is late —
 * so the others find nothing left to do. Each user is claimed (a conditional write) before Apple is
 * asked, so two callers at once never retire one user twice.
 */
export async function retireAtApple(
  deps: RetirementDeps,
  accountId: string,
  jobId: string,
  userIds: readonly string[],
  attempt: { receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw new NotFoundError('Account');
  const waiting = (await deps.users.getMany(account.id, userIds)).filter(
    (u) => u.pending?.kind === 'retirement' && u.pending.jobId === jobId && !u.pending.eventId,
  );
  const now = deps.clock.now().toISOString();
  const users: VppUser[] = [];
  for (const user of waiting) {
    const records = await deps.assignments.listBySubject(account.orgId, account.id, 'user', user.id);
    if (records.some((r) => r.jobId === jobId && IN_FLIGHT.has(r.state))) continue;
    const claimed = await deps.users.replace(user, { ...user, updatedAt: now });
    if (claimed) users.push(claimed);
  }
  if (users.length === 0) return;
  try {
    await withAccountToken(deps, account, 'write', async (token) => {
      const submission = await deps.vpp.retireUsers(
        token,
        users.map((u) => ({ clientUserId: u.id })),
      );
      await recordUserSubmission(deps, account, { jobId, users, eventType: 'RETIRE', submission }, attempt);
    });
  } catch (error) {
    if (error instanceof RetryLaterError) throw error;
    // A whole call that failed (Apple busy, the network) is tried again while deliveries are left.
    retryWhileApplePasses(error, attempt);
    await failUsers(
      deps,
      account,
      users.map((u) => u.id),
      {
        code: 'retirement.failed',
        reason: error instanceof Error ? error.message : 'The retirement failed.',
      },
    );
  }
}

export async function runRetirementJob(
  deps: RetirementDeps,
  message: ParsedQueueMessage<'jobs'> & { type: 'retirement' },
  attempt: { receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  await deps.jobs.start(message.jobId);
  const records = [];
  for (const userId of message.userIds)
    records.push(...(await deps.assignments.listBySubject(message.orgId, message.accountId, 'user', userId)));
  await revokeAll(
    deps,
    {
      accountId: message.accountId,
      jobId: message.jobId,
      records,
      afterwards: { retireUsers: message.userIds },
    },
    { ...attempt, resumed: message.resume === true },
  );
  // Users with nothing (left) to take back, or whose revocation Apple refused: retired now.
  await retireAtApple(deps, message.accountId, message.jobId, message.userIds, attempt);
}

/**
 * After Apple's notification of a revocation settled some users' licences: the users of a retirement
 * whose licences are all back go on to `users/retire` at once (the poll stays the fallback).
 */
export async function retireAfterRevocation(
  deps: RetirementDeps,
  accountId: string,
  settled: readonly Pick<AssignmentRecord, 'subjectType' | 'subjectId' | 'jobId'>[],
  attempt: { receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  const byJob = new Map<string, Set<string>>();
  for (const record of settled) {
    if (record.subjectType !== 'user' || !record.jobId) continue;
    byJob.set(record.jobId, (byJob.get(record.jobId) ?? new Set()).add(record.subjectId));
  }
  for (const [jobId, userIds] of byJob) await retireAtApple(deps, accountId, jobId, [...userIds], attempt);
}
