/**
 * What a request to invite or retire users does before its own part (SPEC §4, §5.5): sort the named
 * users into those that may join the job and those refused with a reason, then start the job with
 * the accepted users waiting for it, and hand it to the jobs queue.
 */
import type { Account } from '../../domain/account.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import type { Job } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { createJob } from '../jobs/new-job.ts';
import type { Rejection } from '../licenses/request-licenses.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { UserRepository } from '../ports/user-repository.ts';

export type UserJobKind = 'invitation' | 'retirement';

/** Why a user may not join the job (none: they may). */
export type Refusal = Pick<Rejection, 'code' | 'reason'> | undefined;

const DONE: Record<UserJobKind, string> = { invitation: 'invited', retirement: 'retired' };

/**
 * The users `userIds` names, each once: those `refuse` lets join a job of `kind`, and the others
 * (`user.not_found` first) with their reason.
 * Errors: `<kind>.nothing_to_do` (422) when no user may, with the rejections in its details.
 */
export async function acceptUsers(
  deps: { users: UserRepository },
  account: Account,
  kind: UserJobKind,
  userIds: readonly string[],
  refuse: (user: VppUser) => Refusal,
): Promise<{ accepted: VppUser[]; rejected: Rejection[] }> {
  const found = new Map((await deps.users.getMany(account.id, userIds)).map((u) => [u.id, u]));
  const accepted: VppUser[] = [];
  const rejected: Rejection[] = [];
  for (const id of new Set(userIds)) {
    const user = found.get(id);
    const refusal = user ? refuse(user) : { code: 'user.not_found', reason: 'No such user in this account.' };
    if (refusal) rejected.push({ subject: `user:${id}`, ...refusal });
    else if (user) accepted.push(user);
  }
  if (accepted.length === 0) {
    throw new RuleViolationError(
      `${kind}.nothing_to_do`,
      `No user can be ${DONE[kind]}: see details.rejected.`,
      {
        rejected,
      },
    );
  }
  return { accepted, rejected };
}

/** Creates the job of `kind` and marks `users` as waiting for it. */
export async function startUserJob(
  deps: { jobs: JobRepository; users: UserRepository; clock: Clock; ids: IdGenerator },
  account: Account,
  actor: Actor,
  kind: UserJobKind,
  users: readonly VppUser[],
  extra: { requested?: number; summary?: Record<string, unknown> } = {},
): Promise<Job> {
  const job = await createJob(deps, {
    orgId: account.orgId,
    accountId: account.id,
    type: kind,
    requested: extra.requested ?? users.length,
    ...(extra.summary ? { summary: extra.summary } : {}),
    actor,
  });
  for (const user of users)
    await deps.users.replace(user, { ...user, pending: { kind, jobId: job.id }, updatedAt: job.createdAt });
  return job;
}

/** Hands the job of `kind` for `users` to the jobs queue, which runs it. */
export async function queueUserJob(
  deps: { queue: MessageQueue },
  account: Account,
  kind: UserJobKind,
  jobId: string,
  users: readonly VppUser[],
): Promise<void> {
  const userIds = users.map((u) => u.id);
  const job = { orgId: account.orgId, accountId: account.id, jobId, userIds };
  await deps.queue.send('jobs', { type: kind, ...job });
}
