/**
 * An invitation link (SPEC §5.5): a random token of 256 bits in the e-mail, stored only as its SHA-256
 * hash, valid 30 days, usable until it is accepted (then `used`: Apple reports the user Associated),
 * and voided when the user is invited again.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const INVITATION_VALID_DAYS = 30;

export const InvitationLinkSchema = z.object({
  hash: z.string(),
  orgId: z.string(),
  accountId: z.string(),
  userId: z.string(),
  state: z.enum(['active', 'used', 'voided']),
  expiresAt: z.string(),
  createdAt: z.string(),
  usedAt: z.string().optional(),
});
export type InvitationLink = z.infer<typeof InvitationLinkSchema>;

export const hashInvitationToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** What a link can do now: the page says so without a word about the user. */
export function linkStatus(
  link: InvitationLink | undefined,
  now: Date,
): 'unknown' | 'usable' | 'used' | 'voided' | 'expired' {
  if (!link) return 'unknown';
  if (link.state === 'used') return 'used';
  if (link.state === 'voided') return 'voided';
  return new Date(link.expiresAt).getTime() <= now.getTime() ? 'expired' : 'usable';
}
