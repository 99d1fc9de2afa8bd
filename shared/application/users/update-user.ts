/**
 * Changes a user's name, tags or e-mail (SPEC §4 `PATCH .../users/{userId}`).
 * 1. The caller must manage the account; the user must exist in it.
 * 2. Work out what actually changes (`name: null` removes the name; tags compare as a set). Nothing:
 *    answer the user as it is and write nothing.
 * 3. A new e-mail must not be another user's in the account.
 * 4. Write the user; a changed e-mail moves its unique claim in the same write.
 * 5. When the user is registered at Apple (Invited or Associated) and the e-mail changed, send it to
 *    Apple as an update (`users/update`) without waiting for Apple's event. If Apple refuses it, or
 *    the account may not write to Apple, step 4 is undone and the request fails.
 * 6. Record `user.updated` with the fields that changed.
 * Errors: request.invalid (400); auth.forbidden (403); account.not_found, user.not_found (404);
 * user.email_taken (409); account.* (422, the account may not write to Apple); token.* (422, Apple
 * refused the token); apple.throttled (503); apple.update_refused (502, Apple refused the update).
 */

import type { Account } from '../../domain/account.ts';
import { ConflictError, DomainError } from '../../domain/errors.ts';
import { type Actor, actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { observeApple, withAccountToken } from '../accounts/token-guard.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { scheduleReconciliation } from '../deployments/manage-deployments.ts';
import { loadUser, type UserDeps } from './user-deps.ts';
import { toUserView, type UserView } from './user-view.ts';

/** What may change on a user (at least one of them); `name: null` removes the name. */
export interface UpdateUserInput {
  name?: string | null;
  /** Replaces the tags. */
  tags?: string[];
  email?: string;
}

const emailTaken = (email: string) =>
  new ConflictError('user.email_taken', `This account already has another user with ${email}.`);

const sameTags = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

/**
 * Sends a user's new e-mail to Apple; returns the event id. A batch Apple refused is an error: a token
 * problem updates the account's status first (SPEC §5.2) and throttling keeps its Retry-After.
 */
async function sendEmailToApple(
  deps: UserDeps,
  account: Account,
  user: VppUser & { email: string },
  actor: Actor,
): Promise<string | undefined> {
  const submission = await withAccountToken(
    deps,
    account,
    'write',
    (token) => deps.vpp.updateUsers(token, [{ clientUserId: user.id, email: user.email }]),
    actor,
  );
  const refused = submission.rejected[0];
  if (refused) {
    if (refused.error.isTokenProblem) {
      await observeApple(deps, account, { error: refused.error }, actor);
      throw refused.error;
    }
    if (refused.error.kind === 'throttled') throw refused.error;
    const number = refused.error.errorNumber;
    throw new DomainError(
      'upstream',
      'apple.update_refused',
      `Apple refused the new e-mail${number === undefined ? '' : ` (error ${number})`}, so nothing was changed.`,
      {
        cause: refused.error,
        ...(number === undefined ? {} : { details: { appleError: { errorNumber: number } } }),
      },
    );
  }
  const event = submission.events[0];
  if (event) await observeApple(deps, account, { meta: event.meta }, actor);
  return event?.eventId;
}

export async function updateUser(
  deps: UserDeps,
  principal: Principal,
  accountId: string,
  userId: string,
  changes: UpdateUserInput,
): Promise<UserView> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const user = await loadUser(deps, account.id, userId);
  const actor = actorOf(principal);

  const name = changes.name === undefined ? user.name : (changes.name ?? undefined);
  const tags = changes.tags ?? user.tags;
  const email = changes.email ?? user.email;
  const changed = [
    ...(name !== user.name ? ['name'] : []),
    ...(sameTags(tags, user.tags) ? [] : ['tags']),
    ...(email !== user.email ? ['email'] : []),
  ];
  if (changed.length === 0) return toUserView(user);

  const newEmail = email !== user.email ? email : undefined;
  if (newEmail !== undefined) {
    const holder = await deps.users.findByEmail(account.id, newEmail);
    if (holder && holder.id !== user.id) throw emailTaken(newEmail);
  }
  const { name: _name, ...rest } = user;
  const next: VppUser = {
    ...rest,
    ...(name !== undefined ? { name } : {}),
    tags,
    ...(email !== undefined ? { email } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  try {
    await deps.users.putMany([{ before: user, after: next }]);
  } catch (error) {
    // Another request may have claimed the e-mail since step 3.
    const holder = newEmail === undefined ? undefined : await deps.users.findByEmail(account.id, newEmail);
    if (newEmail !== undefined && holder && holder.id !== user.id) throw emailTaken(newEmail);
    throw error;
  }

  let appleEventId: string | undefined;
  if (newEmail !== undefined && (user.status === 'Invited' || user.status === 'Associated')) {
    try {
      appleEventId = await sendEmailToApple(deps, account, { ...next, email: newEmail }, actor);
    } catch (error) {
      await deps.users.putMany([{ before: next, after: user }]);
      throw error;
    }
  }

  await auditTrail(deps, account.orgId, actor).user(account.id, user.id, 'user.updated', 'succeeded', {
    changed,
    ...(appleEventId ? { appleEventId } : {}),
  });
  // Tags and e-mail decide which user deployments the user falls in.
  await scheduleReconciliation(deps, account.orgId);
  return toUserView(next);
}
