/**
 * A VPP account: one content token of one Apple location, and what the service knows of its health.
 * Status rules (SPEC §5.2): `revoked`, `claimed-elsewhere` and `invalid` hold until an admin acts (a
 * new token, or a take-over); otherwise the expiry date decides between `active`, `expiring` (30 days
 * or less left) and `expired`.
 */
import * as z from 'zod';

export const AccountStatusSchema = z.enum([
  'active',
  'expiring',
  'expired',
  'revoked',
  'claimed-elsewhere',
  'invalid',
]);
export type AccountStatus = z.infer<typeof AccountStatusSchema>;

/** Statuses that stop every write to Apple until an admin acts. */
export const BLOCKING_STATUSES: ReadonlySet<AccountStatus> = new Set([
  'revoked',
  'claimed-elsewhere',
  'invalid',
]);

/** Days before expiry at which the contact gets an e-mail, each once per token. */
export const EXPIRY_ALERT_DAYS = [30, 14, 7, 3, 1] as const;

const DAY_MS = 86_400_000;

export const LocationSchema = z.object({
  uId: z.string(),
  organizationName: z.string(),
  name: z.string(),
  countryISO2ACode: z.string().optional(),
  defaultPlatform: z.string().optional(),
  websiteURL: z.string().optional(),
});
export type Location = z.infer<typeof LocationSchema>;

export const AccountSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  email: z.string(),
  allowedAdmins: z.array(z.string()),
  assignableNetworks: z.array(z.string()),
  location: LocationSchema,
  /** Our `mdmInfo.id` at Apple for this location: another id there means another MDM took it. */
  mdmId: z.string(),
  tokenExpiresAt: z.string(),
  status: AccountStatusSchema,
  /** The other MDM's name when `claimed-elsewhere`. */
  claimedBy: z.string().optional(),
  /** Expiry thresholds (days) already e-mailed for the current token. */
  expiryAlertsSent: z.array(z.number().int()),
  /** The last status the contact was told about at once (expired, revoked, claimed). */
  statusAlerted: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  /** Bumped by every write: concurrent changes are detected on it (timestamps can be equal). */
  version: z.number().int().nonnegative().default(0),
});
export type Account = z.infer<typeof AccountSchema>;

/** Status from the expiry date alone. */
export function statusFromExpiry(expiresAt: Date, now: Date): 'active' | 'expiring' | 'expired' {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= 30 * DAY_MS ? 'expiring' : 'active';
}

/** The status an account has now: blocking statuses hold; otherwise the expiry decides. */
export function currentStatus(account: Pick<Account, 'status' | 'tokenExpiresAt'>, now: Date): AccountStatus {
  if (BLOCKING_STATUSES.has(account.status)) return account.status;
  return statusFromExpiry(new Date(account.tokenExpiresAt), now);
}

/** Whole days left before expiry, rounded up (a token expiring in 20 hours has 1 day left). */
export function daysLeft(expiresAt: Date, now: Date): number {
  return Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS);
}

/**
 * The expiry alert due now, if any: due when a threshold is reached that was not sent yet. Thresholds
 * passed while nobody looked are marked sent with it, so each goes out at most once; the alert names
 * the days actually left (12 days left after a missed 30 and 14 says 12, never a stale 14 or 30).
 */
export function dueExpiryAlert(
  account: Pick<Account, 'tokenExpiresAt' | 'expiryAlertsSent'>,
  now: Date,
): { daysLeft: number; markSent: number[] } | undefined {
  const left = daysLeft(new Date(account.tokenExpiresAt), now);
  if (left <= 0) return undefined;
  const reached = EXPIRY_ALERT_DAYS.filter((d) => left <= d && !account.expiryAlertsSent.includes(d));
  if (reached.length === 0) return undefined;
  return { daysLeft: left, markSent: reached };
}
