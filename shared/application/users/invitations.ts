/**
 * Inviting users (SPEC §5.5).
 * - requestInvitations: the caller manages the account; New, Invited and Retired users are accepted
 *   (an Invited user is invited again: a fresh link, the old one voided; a Retired user comes back,
 *   the same user with their history, `user.returning` in the audit log), others are rejected with a
 *   reason; each accepted user waits for the job, which the jobs queue runs.
 * - runInvitationJob: registers New and Retired users at Apple (`users/create`, 100 a call: Apple
 *   lets a retired `clientUserId` be created again, reference §6); a Managed Apple
 *   Account of the organisation is associated at once. The e-mail goes out when Apple has given the
 *   user an invitation code (USER_MANAGEMENT, or the status poll when that is late); users already
 *   registered get theirs now.
 */
import { NotFoundError } from '../../domain/errors.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type StartedJob, toJobView } from '../jobs/job-view.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { VppClient } from '../ports/vpp-client.ts';
import { RetryLaterError } from '../retry-later.ts';
import type { PublishDeps } from '../webhooks/webhook-deliveries.ts';
import {
  applyAppleUsers,
  deliverInvitations,
  failUsers,
  recordUserSubmission,
  retryWhileApplePasses,
  type UserEventDeps,
} from './apply-apple-users.ts';
import { acceptUsers, queueUserJob, type Refusal, startUserJob } from './user-jobs.ts';

export interface InvitationDeps extends UserEventDeps, PublishDeps {
  readonly accounts: AccountRepository;
  readonly secrets: SecretStore;
  readonly vpp: VppClient;
  readonly queue: MessageQueue;
}

/**
 * New, Invited and Retired users may be invited (a retired one comes back), if they have an address
 * and wait for nothing else.
 */
function refuseInvitation(user: VppUser): Refusal {
  if (user.status === 'Associated')
    return { code: 'user.already_associated', reason: 'The user has already accepted.' };
  if (!user.email && !user.managedAppleId)
    return { code: 'user.no_email', reason: 'The user has no e-mail address to invite.' };
  if (user.pending)
    return { code: 'user.busy', reason: `The user is waiting for another ${user.pending.kind}.` };
  return undefined;
}

export async function requestInvitations(
  deps: InvitationDeps,
  principal: Principal,
  accountId: string,
  userIds: readonly string[],
): Promise<StartedJob> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const { accepted, rejected } = await acceptUsers(deps, account, 'invitation', userIds, refuseInvitation);
  const actor = actorOf(principal);
  const job = await startUserJob(deps, account, actor, 'invitation', accepted);
  await queueUserJob(deps, account, 'invitation', job.id, accepted);
  const trail = auditTrail(deps, account.orgId, actor);
  for (const user of accepted.filter((u) => u.status === 'Retired'))
    await trail.user(account.id, user.id, 'user.returning', 'accepted', { jobId: job.id });
  await trail.account(account.id, 'user.invitations_requested', 'accepted', {
    jobId: job.id,
    accepted: accepted.length,
    rejected: rejected.length,
  });
  return { job: toJobView(job), rejected };
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
  const toCreate = waiting.filter(
    (u) => (u.status === 'New' || u.status === 'Retired') && !u.pending?.eventId,
  );

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
    // A whole call that failed (Apple busy, the network) is tried again while deliveries are left.
    retryWhileApplePasses(error, attempt);
    const reason = error instanceof Error ? error.message : 'The invitation could not be sent to Apple.';
    await failUsers(
      deps,
      account,
      waiting.map((u) => u.id),
      { code: 'invitation.failed', reason },
    );
  }
}
