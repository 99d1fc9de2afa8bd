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
