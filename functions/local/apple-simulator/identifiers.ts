/**
 * Identifiers the simulator makes up, in the shapes Apple uses: UUID event and notification ids,
 * 32-hex invitation codes, base64 `idHash` values and numeric-text `uId`s.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** A random UUID (event, notification and version ids). */
export function newUuid(): string {
  return randomUUID();
}

/** Apple's `inviteCode`: 32 lowercase hex characters (reference §12(e)). */
export function newInviteCode(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The `idHash` Apple shows once a user is linked to an Apple Account: stable for one account within one
 * organisation and opaque (base64 of a hash; Apple's own derivation is unknown).
 */
export function idHashFor(organizationId: string, appleAccount: string): string {
  return createHash('sha256')
    .update(`${organizationId}\u0000${appleAccount.trim().toLowerCase()}`)
    .digest()
    .subarray(0, 20)
    .toString('base64');
}

/** A library id like Apple's `3300000000000042`: 16 digits. */
export function newUId(): string {
  return `33${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
}

/** The opaque inner `token` of a `.vpptoken` file (itself base64-looking, as Apple's is). */
export function newInnerToken(locationId: string): string {
  return Buffer.from(`sim:${locationId}:${randomBytes(24).toString('hex')}`).toString('base64');
}
