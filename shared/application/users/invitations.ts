/**
 * Inviting users (SPEC §5.5).
 * - requestInvitations: the caller manages the account; New and Invited users are accepted (an
 *   Invited user is invited again: a fresh link, the old one voided), others are rejected with a
 *   reason; each accepted user waits for the job, which the jobs queue runs.
 * - runInvitationJob: registers New users at Apple (`users/create`, 100 a call); a Managed Apple
 *   Account of the organisation is associated at once. The e-mail goes out when Apple has given the
 *   user an invitation code (USER_MANAGEMENT, or the status poll when that is late); users already
 *   registered get theirs now.
 */
import type { Account } from '../../domain/account.ts';
import { NotFoundError, RuleViolationError } from '../../domain/errors.ts';
import type { Job } from '../../domain/job.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { actorName } from '../accounts/request-sync.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import type { Rejection } from '../licenses/request-licenses.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { VppClient } from '../ports/vpp-client.ts';
import { RetryLaterError } from '../retry-later.ts';
import {
  applyAppleUsers,
  deliverInvitations,
  failUsers,
  recordUserSubmission,
  type UserEventDeps,
} from './apply-apple-users.ts';

export interface InvitationDeps extends UserEventDeps {
  readonly accounts: AccountRepository;
  readonly secrets: SecretStore;
  readonly vpp: VppClient;
  readonly queue: MessageQueue;
}

/** Marks the accepted users as waiting for a job of `kind`; creates the job. Shared with retirements. */
export async function startUserJob(
  deps: InvitationDeps,
  account: Account,
  principal: Principal,
  kind: 'invitation' | 'retirement',
  users: readonly VppUser[],
  extra: { requested?: number; summary?: Record<string, unknown> } = {},
): Promise<Job> {
  const now = deps.clock.now().toISOString();
  const jobId = deps.ids.newId();
  const job: Job = {
    id: jobId,
    orgId: account.orgId,
    accountId: account.id,
    type: kind,
    state: 'queued',
    requested: extra.requested ?? users.length,
    completed: 0,
    failed: 0,
    failures: [],
    ...(extra.summary ? { summary: extra.summary } : {}),
    createdBy: actorName(actorOf(principal)),
    createdAt: now,
    updatedAt: now,
  };
  await deps.jobs.create(job);
  for (const user of users)
    await deps.users.replace(user, { ...user, pending: { kind, jobId }, updatedAt: now });
  return job;
}

export async function requestInvitations(
  deps: InvitationDeps,
  principal: Principal,
  accountId: string,
  userIds: readonly string[],
): Promise<{ job: Job; rejected: Rejection[] }> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const found = new Map((await deps.users.getMany(account.id, userIds)).map((u) => [u.id, u]));
  const rejected: Rejection[] = [];
  const accepted: VppUser[] = [];
  for (const id of new Set(userIds)) {
    const user = found.get(id);
    const subject = `user:${id}`;
    if (!user) rejected.push({ subject, code: 'user.not_found', reason: 'No such user in this account.' });
    else if (user.status === 'Associated')
      rejected.push({ subject, code: 'user.already_associated', reason: 'The user has already accepted.' });
    else if (user.status === 'Retired')
      rejected.push({
        subject,
        code: 'user.retired',
        reason: 'The user is retired: add them again to invite them.',
      });
    else if (!user.email && !user.managedAppleId)
      rejected.push({ subject, code: 'user.no_email', reason: 'The user has no e-mail address to invite.' });
    else if (user.pending)
      rejected.push({
        subject,
        code: 'user.busy',
        reason: `The user is waiting for another ${user.pending.kind}.`,
      });
    else accepted.push(user);
  }
  if (accepted.length === 0)
    throw new RuleViolationError(
      'invitation.nothing_to_do',
      'No user can be invited: see details.rejected.',
      { rejected },
    );
  const job = await startUserJob(deps, account, principal, 'invitation', accepted);
  await deps.queue.send('jobs', {
    type: 'invitation',
    orgId: account.orgId,
    accountId: account.id,
    jobId: job.id,
    userIds: accepted.map((u) => u.id),
  });
  await deps.audit.record({
    orgId: account.orgId,
    actor: actorOf(principal),
    action: 'user.invitations_requested',
    target: `account:${account.id}`,
    result: 'accepted',
    details: { jobId: job.id, accepted: accepted.length, rejected: rejected.length },
  });
  return { job, rejected };
}

export async function runInvitationJob(
  deps: InvitationDeps,
  message: ParsedQueueMessage<'jobs'> & { type: 'invitation' },
  attempt: { receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  const account = await deps.accounts.get(message.accountId);
  if (!account) throw new NotFoundError('Account');
  await deps.jobs.start(message.jobId);
  const waiting = (await deps.users.getMany(account.id, message.userIds)).filter(
    (u) => u.pending?.kind === 'invitation' && u.pending.jobId === message.jobId,
  );
  const registered = waiting.filter((u) => u.status === 'Invited');
  const toCreate = waiting.filter((u) => u.status === 'New' && !u.pending?.eventId);

  try {
    await withAccountToken(deps, account, 'write', async (token) => {
      // Users Apple already knows: their code, fresh from Apple, and the e-mail now.
      const missingCode = registered.filter((u) => !u.inviteCode);
      for (const user of missingCode) {
        const apple = await deps.vpp.readUsers(token, { clientUserId: user.id });
        await applyAppleUsers(deps, account, apple.items);
      }
      await deliverInvitations(
        deps,
        account,
        registered.filter((u) => u.inviteCode),
      );
      if (toCreate.length === 0) return;

      const submission = await deps.vpp.createUsers(
        token,
        toCreate.map((u) => ({
          clientUserId: u.id,
          ...(u.email ? { email: u.email } : {}),
          ...(u.managedAppleId ? { managedAppleId: u.managedAppleId } : {}),
        })),
      );
      await recordUserSubmission(
        deps,
        account,
        { jobId: message.jobId, users: toCreate, eventType: 'CREATE', submission },
        attempt,
      );
    });
  } catch (error) {
    if (error instanceof RetryLaterError) throw error;
    const reason = error instanceof Error ? error.message : 'The invitation could not be sent to Apple.';
    await failUsers(
      deps,
      account,
      waiting.map((u) => u.id),
      { code: 'invitation.failed', reason },
    );
  }
}
