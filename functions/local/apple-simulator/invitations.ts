/**
 * Invitations (reference §6.1): a `Registered` user holds an `inviteCode`; when the person signs in
 * with an Apple Account the user becomes `Associated` with an `idHash` derived from that account, the
 * code is used up, the users version moves and `USER_ASSOCIATED` is sent.
 */
import { LocationChange } from './change-set.ts';
import type { SimulatorContext } from './context.ts';
import { idHashFor } from './identifiers.ts';
import { userView } from './ledger.ts';
import type { LocationRecord, UserRecord } from './state.ts';
import { associateUser, userWithIdHash } from './user-registry.ts';

/** An invitation code that is open, already used (or withdrawn), or unknown. */
export type InvitationLookup =
  | { readonly kind: 'open' | 'used'; readonly location: LocationRecord; readonly user: UserRecord }
  | { readonly kind: 'unknown' };

/** Finds the user an invitation code belongs to, in any location. */
export function findInvitation(ctx: SimulatorContext, inviteCode: string): InvitationLookup {
  if (inviteCode === '') return { kind: 'unknown' };
  for (const location of ctx.state.locations.values()) {
    for (const user of location.users.values()) {
      if (user.inviteCode === inviteCode && user.status === 'Registered')
        return { kind: 'open', location, user };
      if (user.usedInviteCode === inviteCode || user.inviteCode === inviteCode)
        return { kind: 'used', location, user };
    }
  }
  return { kind: 'unknown' };
}

/** Whether an acceptance went through, and why not. */
export type AcceptOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not_registered' | 'account_in_use' };

/** Links a Registered user to an Apple Account; refuses an account another active user holds. */
export function acceptInvitation(
  ctx: SimulatorContext,
  location: LocationRecord,
  user: UserRecord,
  appleAccount: string,
): AcceptOutcome {
  if (user.status !== 'Registered') return { ok: false, reason: 'not_registered' };
  const change = new LocationChange(location);
  const idHash = idHashFor(location.organizationId, appleAccount);
  const holder = userWithIdHash(change, idHash);
  if (holder && holder.ref !== user.ref) return { ok: false, reason: 'account_in_use' };
  associateUser(change, user, idHash);
  ctx.notifier.enqueue(location, 'USER_ASSOCIATED', { associatedUsers: [userView(user)] });
  ctx.changed();
  return { ok: true };
}
