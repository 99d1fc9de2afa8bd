/**
 * Adds one user to an account (SPEC §4 `POST .../users`).
 * 1. The caller must manage the account (404 for an account they cannot see, 403 for a viewer).
 * 2. Build the user: a new UUID as its `clientUserId`, status `New`, source `api`. Nothing goes to
 *    Apple yet: an invitation registers the user there.
 * 3. Write it with its e-mail claimed in the same conditional write, so two requests can never add
 *    the same e-mail to one account. An e-mail of a retired user is refused naming that user: an
 *    invitation brings them back, with their history.
 * 4. Record `user.created` in the audit log.
 * Errors: request.invalid (400); auth.forbidden (403); account.not_found (404); user.email_taken,
 * user.retired_exists (409).
 */
import { ConflictError } from '../../domain/errors.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { UserDeps } from './user-deps.ts';
import { toUserView, type UserView } from './user-view.ts';

/** The user to add; e-mails in lower case, tags without repeats. */
export interface CreateUserInput {
  email: string;
  name?: string;
  managedAppleId?: string;
  tags: string[];
}

/** The e-mail is a retired user's: that user comes back by an invitation, with their history. */
export const retiredExists = (accountId: string, userId: string, email: string) =>
  new ConflictError(
    'user.retired_exists',
    `${email} belongs to user ${userId} of this account, who is retired: invite them to bring them back with their history (POST /v1/accounts/${accountId}/users/invitations with {"userIds": ["${userId}"]}).`,
    { userId },
  );

export async function addUser(
  deps: Pick<UserDeps, 'accounts' | 'users' | 'audit' | 'clock' | 'ids'>,
  principal: Principal,
  accountId: string,
  input: CreateUserInput,
): Promise<UserView> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const now = deps.clock.now().toISOString();
  const user: VppUser = {
    accountId: account.id,
    id: deps.ids.newId(),
    email: input.email,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.managedAppleId !== undefined ? { managedAppleId: input.managedAppleId } : {}),
    tags: input.tags,
    status: 'New',
    source: 'api',
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  const { added } = await deps.users.addMany([user]);
  if (added.length === 0) {
    const holder = await deps.users.findByEmail(account.id, input.email);
    if (holder?.status === 'Retired') throw retiredExists(account.id, holder.id, input.email);
    throw new ConflictError('user.email_taken', `This account already has a user with ${input.email}.`);
  }
  const trail = auditTrail(deps, account.orgId, actorOf(principal));
  await trail.user(account.id, user.id, 'user.created', 'succeeded', { email: user.email, source: 'api' });
  return toUserView(user);
}
