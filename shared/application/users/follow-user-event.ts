/**
 * Follows a users/create or users/retire event whose notification is late (the events worker): one
 * status read per message, again after the poll interval while Apple says PENDING, given up after
 * 10 minutes. When it has ended, users Apple refused fail with Apple's number; the others are read
 * back from Apple and applied (an invitation e-mail goes out, a retirement completes).
 */
import { withAccountToken } from '../accounts/token-guard.ts';
import { pollEventAgain } from '../event-polls.ts';
import { EVENT_GIVE_UP_MS, type EventMessage } from '../licenses/follow-asset-event.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import { applyAppleUsers, failUsers } from './apply-apple-users.ts';
import type { InvitationDeps } from './invitations.ts';

export async function followUserEvent(deps: InvitationDeps, message: EventMessage): Promise<void> {
  const account = await deps.accounts.get(message.accountId);
  if (!account) return;
  const waiting = (await deps.users.listByAccount(account.id)).filter(
    (u) => u.pending?.eventId === message.eventId,
  );
  if (waiting.length === 0) return;
  await withAccountToken(deps, account, 'read', async (token) => {
    let outcome: Awaited<ReturnType<typeof deps.vpp.eventStatus>> | undefined;
    try {
      outcome = await deps.vpp.eventStatus(token, message.eventId);
    } catch (error) {
      if (!isVppError(error, 'event_not_found')) throw error;
    }
    if (outcome?.state === 'pending') {
      if (deps.clock.now().getTime() - new Date(message.submittedAt).getTime() < EVENT_GIVE_UP_MS) {
        await pollEventAgain(deps, message);
        return;
      }
      await failUsers(
        deps,
        account,
        waiting.map((u) => u.id),
        { code: 'apple.event_timeout', reason: 'Apple did not finish within 10 minutes: try again.' },
      );
      return;
    }
    const failed = new Set<string>();
    for (const failure of outcome?.failures ?? []) {
      const named = failure.clientUserIds.length > 0 ? failure.clientUserIds : waiting.map((u) => u.id);
      for (const id of named) failed.add(id);
      await failUsers(deps, account, named, {
        errorNumber: failure.errorNumber,
        errorMessage: failure.errorMessage,
      });
    }
    // Whatever else happened, Apple's own record of each user is the answer (also when it lost the event).
    for (const user of waiting.filter((u) => !failed.has(u.id))) {
      const apple = await deps.vpp.readUsers(token, { clientUserId: user.id });
      const active = apple.items.find((u) => u.status !== 'Retired') ?? apple.items.at(-1);
      if (active) await applyAppleUsers(deps, account, [active]);
      else
        await failUsers(deps, account, [user.id], {
          code: 'apple.event_lost',
          reason: 'Apple has no record of this user: try again.',
        });
    }
  });
}
