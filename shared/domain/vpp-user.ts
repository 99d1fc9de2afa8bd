/**
 * A person of an account (SPEC §3): New (known here only) → Invited (registered at Apple, e-mail
 * sent) → Associated (accepted; Apple says so) → Retired. `id` is the `clientUserId` at Apple: an
 * opaque UUID the service chooses.
 */
import * as z from 'zod';

export const UserStatusSchema = z.enum(['New', 'Invited', 'Associated', 'Retired']);
export type UserStatus = z.infer<typeof UserStatusSchema>;

export const VppUserSchema = z.object({
  accountId: z.string(),
  id: z.string(),
  /** Lower case. Absent only for users someone else created at Apple without one. */
  email: z.string().optional(),
  name: z.string().optional(),
  managedAppleId: z.string().optional(),
  tags: z.array(z.string()),
  status: UserStatusSchema,
  /** Apple's status as last seen (`Registered`, `Associated`, `Retired`). */
  appleStatus: z.string().optional(),
  /** Apple's invitation code while the person has not accepted (never shown in answers). */
  inviteCode: z.string().optional(),
  idHash: z.string().optional(),
  source: z.enum(['api', 'import', 'apple']),
  /** A job waiting for Apple about this user (an invitation or a retirement), and the Apple event if sent. */
  pending: z
    .object({ kind: z.enum(['invitation', 'retirement']), jobId: z.string(), eventId: z.string().optional() })
    .optional(),
  /** The hash of the user's current invitation link (a new invitation voids the previous link). */
  invitationLink: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Bumped by every write: concurrent changes are detected on it (timestamps can be equal). */
  version: z.number().int().nonnegative().default(0),
});
export type VppUser = z.infer<typeof VppUserSchema>;

/** Our status for Apple's: Apple's `Registered` is our `Invited` (the e-mail follows registration). */
/** Apple's user states only move forward: Registered, then Associated, then Retired (or Deleted). */
const APPLE_STAGE: Record<string, number> = { Registered: 1, Associated: 2, Retired: 3, Deleted: 3 };
const OUR_STAGE: Record<UserStatus, number> = { New: 0, Invited: 1, Associated: 2, Retired: 3 };

/**
 * A retired user being brought back: invited again, so registered at Apple again under the same
 * `clientUserId` (Apple lets a retired one be created anew), keeping their history here.
 */
export const isReturning = (user: Pick<VppUser, 'status' | 'pending'>): boolean =>
  user.status === 'Retired' && user.pending?.kind === 'invitation';

/**
 * A notification (or a late answer) that would move a user back, to a state older than the one
 * already known, is stale: a late USER_ASSOCIATED after a retirement, a late CREATE after acceptance.
 * Only a returning user (see `isReturning`) moves on from Retired: Apple's news of their new entry.
 */
export function isStaleAppleStatus(
  user: Pick<VppUser, 'status' | 'appleStatus' | 'pending'>,
  appleStatus: string,
): boolean {
  const stage = APPLE_STAGE[appleStatus] ?? 0;
  if (isReturning(user)) return stage === 0 || stage === APPLE_STAGE.Retired;
  return (
    stage < (user.appleStatus ? (APPLE_STAGE[user.appleStatus] ?? 0) : 0) || stage < OUR_STAGE[user.status]
  );
}

/** The audit action of a status Apple moved a user to. */
export const appleStatusAction = (status: UserStatus, otherwise = 'user.status_changed'): string =>
  status === 'Associated' ? 'user.associated' : status === 'Retired' ? 'user.retired' : otherwise;

export function statusFromApple(appleStatus: string, current: UserStatus | undefined): UserStatus {
  switch (appleStatus) {
    case 'Associated':
      return 'Associated';
    case 'Retired':
    case 'Deleted':
      return 'Retired';
    default:
      return current === 'New' || current === undefined
        ? 'Invited'
        : current === 'Associated'
          ? 'Associated'
          : 'Invited';
  }
}
