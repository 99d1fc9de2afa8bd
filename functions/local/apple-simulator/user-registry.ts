/**
 * Users of a location (reference §6): creation, association with an Apple Account, retirement.
 * A `clientUserId` is unique among active users only; retiring keeps the entry (status `Retired`) and
 * a later create makes a new active entry beside it.
 */
import type { LocationChange } from './change-set.ts';
import { idHashFor, newInviteCode } from './identifiers.ts';
import { releaseRevocable } from './ledger.ts';
import type { AssignmentRecord, OrganizationRecord, UserRecord, UserStatus } from './state.ts';

/** The fields of a user entry to add. */
export interface NewUser {
  readonly clientUserId: string;
  readonly email?: string | undefined;
  readonly managedAppleId?: string | undefined;
  readonly status: UserStatus;
  readonly inviteCode?: string | undefined;
  readonly idHash?: string | undefined;
}

/** True when the Managed Apple Account belongs to the organisation's domain (it links at once). */
export function isOrganizationAccount(
  organization: OrganizationRecord | undefined,
  account: string,
): boolean {
  const domain = organization?.managedAppleIdDomain?.toLowerCase();
  if (!domain) return false;
  const at = account.lastIndexOf('@');
  return at > 0 && account.slice(at + 1).toLowerCase() === domain;
}

/** The `idHash` a Managed Apple Account of the organisation's domain links with; undefined for any other. */
export function organizationIdHash(
  organization: OrganizationRecord | undefined,
  account: string | undefined,
): string | undefined {
  if (account === undefined || !organization || !isOrganizationAccount(organization, account))
    return undefined;
  return idHashFor(organization.id, account);
}

/** Adds an entry; an active one becomes the `clientUserId`'s active entry. */
export function addUser(change: LocationChange, fields: NewUser): UserRecord {
  const location = change.location;
  const ref = `u${location.nextUserRef}`;
  location.nextUserRef += 1;
  const user: UserRecord = {
    ref,
    clientUserId: fields.clientUserId,
    status: fields.status,
    version: change.usersStamp(),
  };
  if (fields.email !== undefined) user.email = fields.email;
  if (fields.managedAppleId !== undefined) user.managedAppleId = fields.managedAppleId;
  if (fields.status === 'Registered') user.inviteCode = fields.inviteCode ?? newInviteCode();
  if (fields.idHash !== undefined) user.idHash = fields.idHash;
  location.users.set(ref, user);
  if (fields.status !== 'Retired') location.activeUsers.set(user.clientUserId, ref);
  return user;
}

/** The active user already linked to this Apple Account (another user cannot take it: 9641). */
export function userWithIdHash(change: LocationChange, idHash: string): UserRecord | undefined {
  for (const ref of change.location.activeUsers.values()) {
    const user = change.location.users.get(ref);
    if (user?.idHash === idHash) return user;
  }
  return undefined;
}

/** Links the user to an Apple Account: `Associated`, `idHash` set, invitation used up. */
export function associateUser(change: LocationChange, user: UserRecord, idHash: string): void {
  user.status = 'Associated';
  user.idHash = idHash;
  if (user.inviteCode !== undefined) user.usedInviteCode = user.inviteCode;
  delete user.inviteCode;
  user.version = change.usersStamp();
}

/** Stamps the user as changed in the current version. */
export function touchUser(change: LocationChange, user: UserRecord): void {
  user.version = change.usersStamp();
}

/**
 * Retires the user: status `Retired`, the invitation no longer valid, its revocable licences released
 * (books stay, they cannot be taken back). The `idHash` stays, as Apple says it may.
 */
export function retireUser(change: LocationChange, user: UserRecord): AssignmentRecord[] {
  user.status = 'Retired';
  if (user.inviteCode !== undefined) user.usedInviteCode = user.inviteCode;
  delete user.inviteCode;
  user.version = change.usersStamp();
  if (change.location.activeUsers.get(user.clientUserId) === user.ref) {
    change.location.activeUsers.delete(user.clientUserId);
  }
  return releaseRevocable(change, user);
}
