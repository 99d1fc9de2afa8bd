/**
 * What Apple says of users, wherever it comes from (a USER_MANAGEMENT or USER_ASSOCIATED notification,
 * or the status poll of a late event), applied in one place:
 * - user states follow Apple (`Registered` → Invited, `Associated`, `Retired`), written only when
 *   something changed and with the change in the audit log; a retired user invited again moves on
 *   from Retired with Apple's news of their new entry (`user.returned`);
 * - a user waiting for an invitation gets the e-mail once Apple has registered them (a Managed Apple
 *   Account of the organisation is associated at once and gets none); a user Apple reports
 *   Associated has used their invitation link up;
 * - a user waiting for a retirement is done when Apple says Retired;
 * - a user Apple refused ends its job's item as failed, with Apple's number.
 */
import type { Account } from '../../domain/account.ts';
import { escapeHtml } from '../../domain/html.ts';
import { hashInvitationToken, INVITATION_VALID_DAYS } from '../../domain/invitation.ts';
import type { JobFailure } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import { Secret } from '../../domain/secret.ts';
import {
  appleStatusAction,
  isReturning,
  isStaleAppleStatus,
  statusFromApple,
  type VppUser,
} from '../../domain/vpp-user.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { scheduleReconciliation } from '../deployments/manage-deployments.ts';
import { pollEvent } from '../event-polls.ts';
import { reasonFor } from '../licenses/settle-event.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { Debouncer } from '../ports/debouncer.ts';
import type { InvitationRepository } from '../ports/invitation-repository.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { BatchSubmission } from '../ports/vpp-client.ts';
import { type Delivery, isVppError, onAppleFailure } from '../ports/vpp-errors.ts';
import type { ErrorResponse, RequestUser, ResponseUser } from '../ports/vpp-schemas.ts';
import { RetryLaterError } from '../retry-later.ts';
import { publishUsersEvent } from '../webhooks/account-events.ts';
import type { PublishDeps } from '../webhooks/webhook-deliveries.ts';

export interface UserEventDeps extends PublishDeps {
  readonly debouncer: Debouncer;
  readonly queue: MessageQueue;
  readonly users: UserRepository;
  readonly invitations: InvitationRepository;
  readonly jobs: JobRepository;
  readonly audit: AuditLog;
  readonly mailer: Mailer;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

const APPLE: Actor = { type: 'apple', id: 'user-management' };
const INVITATIONS: Actor = { type: 'system', id: 'invitations' };

/** The invitation e-mail with its link (exported for the test that renders every e-mail). */
export function invitationEmail(account: Account, user: VppUser, link: string, expiresAt: string) {
  const greeting = user.name ? `Hello ${user.name},` : 'Hello,';
  const lines = [
    greeting,
    `${account.name} invites you to receive apps and books it buys for you through Apple. Accepting links your Apple Account; you will not be charged.`,
    `Open this link to accept (it works until you have accepted, at most until ${expiresAt.slice(0, 10)}):`,
  ];
  const text = `${lines.join('\n\n')}\n\n${link}\n\nIf you did not expect this e-mail, you can ignore it.\n\n— ${account.name}`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem">${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join(
      '',
    )}<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:.6rem 1.2rem;background:#0a66c2;color:#fff;border-radius:6px;text-decoration:none">Review the invitation</a></p><p style="color:#666">If the button does not work, copy this address into your browser:<br>${escapeHtml(link)}</p><p style="color:#666">If you did not expect this e-mail, you can ignore it.</p></body></html>`;
  return {
    to: user.email ?? '',
    subject: `${account.name} invites you to receive apps and books`,
    text,
    html,
  };
}

/** Sends each user waiting for an invitation their e-mail with a fresh link, once. */
export async function deliverInvitations(
  deps: UserEventDeps,
  account: Account,
  users: readonly VppUser[],
): Promise<number> {
  let delivered = 0;
  const invited: VppUser[] = [];
  for (const user of users) {
    if (user.pending?.kind !== 'invitation') continue;
    const jobId = user.pending.jobId;
    const now = deps.clock.now();
    if (user.status === 'Associated') {
      // A Managed Apple Account of the organisation: associated at once, no e-mail.
      if (!(await deps.users.replace(user, { ...user, pending: undefined, updatedAt: now.toISOString() })))
        continue;
      await deps.jobs.recordProgress(jobId, { completed: 1 });
      delivered++;
      continue;
    }
    if (user.status !== 'Invited' || !user.inviteCode || !user.email) continue;
    // A Secret, so the logger knows the link's token (it may only ever appear in the e-mail).
    const token = new Secret(deps.ids.randomToken(32));
    const hash = hashInvitationToken(token.reveal());
    const expiresAt = new Date(now.getTime() + INVITATION_VALID_DAYS * 86_400_000).toISOString();
    // Claim the delivery first: a repeated notification finds nothing left to send.
    if (
      !(await deps.users.replace(user, {
        ...user,
        pending: undefined,
        invitationLink: hash,
        updatedAt: now.toISOString(),
      }))
    )
      continue;
    if (user.invitationLink) await deps.invitations.void(user.invitationLink);
    await deps.invitations.create({
      hash,
      orgId: account.orgId,
      accountId: account.id,
      userId: user.id,
      state: 'active',
      expiresAt,
      createdAt: now.toISOString(),
    });
    try {
      await deps.mailer.send(
        invitationEmail(
          account,
          user,
          `${deps.settings.publicBaseUrl}/invitations/${token.reveal()}`,
          expiresAt,
        ),
      );
    } catch {
      await deps.jobs.recordProgress(jobId, {
        failures: [
          {
            subject: `user:${user.id}`,
            code: 'mail.failed',
            reason: 'The invitation e-mail could not be sent: invite the user again.',
          },
        ],
      });
      continue;
    }
    await deps.jobs.recordProgress(jobId, { completed: 1 });
    const trail = auditTrail(deps, account.orgId, INVITATIONS);
    await trail.user(account.id, user.id, 'user.invited', 'succeeded', { jobId, expiresAt });
    invited.push(user);
    delivered++;
  }
  const jobs = [...new Set(invited.map((u) => (u.pending?.kind === 'invitation' ? u.pending.jobId : '')))];
  await publishUsersEvent(deps, 'user.invited', account, invited, jobs.sort().join(','));
  return delivered;
}

/** Moves users to what Apple says, and finishes what their pending jobs waited for. */
export async function applyAppleUsers(
  deps: UserEventDeps,
  account: Account,
  appleUsers: readonly ResponseUser[],
  action = 'user.status_changed',
): Promise<VppUser[]> {
  const now = deps.clock.now().toISOString();
  const existing = new Map(
    (
      await deps.users.getMany(
        account.id,
        appleUsers.map((u) => u.clientUserId),
      )
    ).map((u) => [u.id, u]),
  );
  const changed: VppUser[] = [];
  for (const apple of appleUsers) {
    const before = existing.get(apple.clientUserId);
    if (!before) continue;
    // Late, repeated or out-of-order news never moves a user back; the sync (Apple's truth) can.
    if (isStaleAppleStatus(before, apple.status)) {
      changed.push(before);
      continue;
    }
    // A returning user's news is of their new entry at Apple: the old one's Apple Account is not theirs.
    const returning = isReturning(before);
    let after: VppUser = {
      ...before,
      status: statusFromApple(apple.status, before.status),
      appleStatus: apple.status,
      inviteCode: apple.status === 'Registered' ? (apple.inviteCode ?? before.inviteCode) : undefined,
      idHash: apple.idHash ?? (returning ? undefined : before.idHash),
      updatedAt: now,
    };
    const retirementDone = before.pending?.kind === 'retirement' && after.status === 'Retired';
    if (retirementDone) after = { ...after, pending: undefined };
    const same =
      after.status === before.status &&
      after.appleStatus === before.appleStatus &&
      after.inviteCode === before.inviteCode &&
      after.idHash === before.idHash &&
      !retirementDone;
    if (same) {
      changed.push(before);
      continue;
    }
    const stored = await deps.users.replace(before, after);
    if (!stored) continue;
    changed.push(stored);
    // Accepted: the invitation link has done its work (SPEC §5.5), and is gone from now on.
    if (after.status === 'Associated' && before.status !== 'Associated' && before.invitationLink)
      await deps.invitations.use(before.invitationLink, now);
    if (retirementDone && before.pending)
      await deps.jobs.recordProgress(before.pending.jobId, { completed: 1 });
    if (before.status !== after.status) {
      const trail = auditTrail(deps, account.orgId, APPLE);
      const what = returning ? 'user.returned' : appleStatusAction(after.status, action);
      await trail.user(account.id, after.id, what, 'succeeded', { from: before.status, to: after.status });
    }
  }
  await deliverInvitations(deps, account, changed);
  // Invited, Associated and Retired users enter and leave user deployments.
  if (changed.some((u) => existing.get(u.id)?.status !== u.status))
    await scheduleReconciliation(deps, account.orgId);
  return changed;
}

/** Ends the pending job item of users Apple refused, with Apple's number and reason. */
export async function failUsers(
  deps: UserEventDeps,
  account: Account,
  userIds: readonly string[],
  error: ErrorResponse | { code: string; reason: string },
): Promise<void> {
  const now = deps.clock.now().toISOString();
  for (const user of await deps.users.getMany(account.id, userIds)) {
    if (!user.pending) continue;
    if (!(await deps.users.replace(user, { ...user, pending: undefined, updatedAt: now }))) continue;
    const why = 'errorNumber' in error ? reasonFor(error.errorNumber, error.errorMessage) : error;
    const failure: JobFailure = {
      subject: `user:${user.id}`,
      ...why,
      ...('errorNumber' in error
        ? { appleError: { errorNumber: error.errorNumber, errorMessage: error.errorMessage ?? why.reason } }
        : {}),
    };
    await deps.jobs.recordProgress(user.pending.jobId, { failures: [failure] });
  }
}

/**
 * What Apple did with a users/create or users/retire request: each accepted batch's event id goes on
 * its users and a status poll is scheduled (in case the notification is late); refused batches fail
 * their users, or, when Apple was only busy, the whole message is tried again.
 */
export async function recordUserSubmission(
  deps: UserEventDeps & { settings: ServiceSettings },
  account: Account,
  input: {
    jobId: string;
    users: readonly VppUser[];
    eventType: 'CREATE' | 'RETIRE';
    submission: BatchSubmission<RequestUser[]>;
  },
  attempt: Delivery,
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const byId = new Map(input.users.map((u) => [u.id, u]));
  for (const event of input.submission.events) {
    for (const request of event.request) {
      const user = byId.get(request.clientUserId);
      if (user?.pending)
        await deps.users.replace(user, {
          ...user,
          pending: { ...user.pending, eventId: event.eventId },
          updatedAt: now,
        });
    }
    await pollEvent(deps, {
      orgId: account.orgId,
      accountId: account.id,
      eventId: event.eventId,
      eventType: input.eventType,
      jobId: input.jobId,
      submittedAt: now,
    });
  }
  for (const { request, error } of input.submission.rejected) {
    retryWhileApplePasses(error, attempt);
    await failUsers(
      deps,
      account,
      request.map((u) => u.clientUserId),
      { errorNumber: error.errorNumber ?? 9603, errorMessage: error.message },
    );
  }
}

/**
 * Passes the message on to be delivered again (`RetryLaterError`) when Apple's failure of a users call
 * may pass and deliveries are left (`onAppleFailure`, call `user-batch`); otherwise returns, and the
 * caller fails the users with the reason.
 */
export function retryWhileApplePasses(error: unknown, attempt: Delivery): void {
  if (isVppError(error) && onAppleFailure('user-batch', error, attempt) === 'retry')
    throw new RetryLaterError(`Apple did not take the request (${error.message}); it will be sent again.`);
}
