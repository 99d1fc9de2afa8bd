/**
 * The tasks of `users/create`, `users/update` and `users/retire` events: one per user (reference §6.2).
 *
 * - create: an active entry with the same `clientUserId` fails with 9716. A `managedAppleId` in the
 *   organisation's domain links at once (`Associated` with an `idHash`, no `inviteCode`), unless
 *   another active user already holds that account (9641); otherwise the user is `Registered` with
 *   an invitation code.
 * - update: unknown or retired → 9609; changes the e-mail, and links a Registered user whose new
 *   `managedAppleId` is in the organisation's domain.
 * - retire: unknown or already retired → 9609; see `retireUser`.
 */
import type { RequestUser, ResponseUser } from '#application/ports/vpp-schemas.ts';
import type { LocationChange } from './change-set.ts';
import { userView } from './ledger.ts';
import { activeUser, type OrganizationRecord } from './state.ts';
import { retireSubscriptionSeats } from './subscriptions.ts';
import {
  addUser,
  associateUser,
  organizationIdHash,
  retireUser,
  touchUser,
  userWithIdHash,
} from './user-registry.ts';

/** The outcome of one user task. */
export interface UserTaskResult {
  readonly clientUserId: string;
  /** The user's entry after the task (on failure: the active entry, if any). */
  readonly user?: ResponseUser;
  readonly error?: number;
}

/** A failed user task: the error, with the user's active entry when there is one. */
export function userTaskFailure(change: LocationChange, clientUserId: string, error: number): UserTaskResult {
  const current = activeUser(change.location, clientUserId);
  return current ? { clientUserId, user: userView(current), error } : { clientUserId, error };
}

/** Creates one user (see the module notes for the outcomes). */
export function runCreateUser(
  change: LocationChange,
  organization: OrganizationRecord | undefined,
  request: RequestUser,
): UserTaskResult {
  const { clientUserId } = request;
  if (activeUser(change.location, clientUserId)) return userTaskFailure(change, clientUserId, 9716);
  const idHash = organizationIdHash(organization, request.managedAppleId);
  if (idHash !== undefined && userWithIdHash(change, idHash)) return { clientUserId, error: 9641 };
  const user = addUser(change, {
    ...request,
    ...(idHash !== undefined ? { status: 'Associated', idHash } : { status: 'Registered' }),
  });
  return { clientUserId, user: userView(user) };
}

/** Updates one active user. */
export function runUpdateUser(
  change: LocationChange,
  organization: OrganizationRecord | undefined,
  request: RequestUser,
): UserTaskResult {
  const { clientUserId } = request;
  const user = activeUser(change.location, clientUserId);
  if (!user) return { clientUserId, error: 9609 };
  const account = request.managedAppleId;
  const idHash = organizationIdHash(organization, account);
  const holder = idHash !== undefined ? userWithIdHash(change, idHash) : undefined;
  if (holder && holder.ref !== user.ref) return userTaskFailure(change, clientUserId, 9641);
  if (account !== undefined) user.managedAppleId = account;
  if (idHash !== undefined && user.status !== 'Associated') associateUser(change, user, idHash);
  if (request.email !== undefined) user.email = request.email;
  touchUser(change, user);
  return { clientUserId, user: userView(user) };
}

/** Retires one active user. */
export function runRetireUser(change: LocationChange, request: RequestUser): UserTaskResult {
  const { clientUserId } = request;
  const user = activeUser(change.location, clientUserId);
  if (!user) return { clientUserId, error: 9609 };
  retireUser(change, user);
  retireSubscriptionSeats(change.location, user.ref, clientUserId);
  return { clientUserId, user: userView(user) };
}
