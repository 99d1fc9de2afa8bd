/**
 * Webhook subscriptions (SPEC §5.9, issue 18): an organisation's HTTPS endpoint, the event types it
 * wants, an optional account filter, enabled or paused. The signing secret is never part of the
 * record: it lives in the secret store (`WebhookSigningSecrets` below is its stored value), and the
 * record only says which version is current and until when the previous one stays valid.
 *
 * Secrets follow the Standard Webhooks format: `whsec_` and the base64 (standard alphabet, padded) of
 * 24 to 64 random bytes; this service makes them of 32 bytes.
 */
import * as z from 'zod';

/** Every event a subscription can ask for (issue 18 point 2). */
export const WEBHOOK_EVENT_TYPES = [
  'license.granted',
  'license.revoked',
  'license.failed',
  'user.invited',
  'user.associated',
  'user.retired',
  'user.email_bounced',
  'shortage.opened',
  'shortage.resolved',
  'token.expiring',
  'token.expired',
  'token.revoked',
  'token.claimed_elsewhere',
  'sync.drift',
  'job.finished',
] as const;

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** Subscriptions per organisation: each costs a delivery per event, so the list stays short. */
export const MAX_WEBHOOKS_PER_ORG = 25;

/** How long a rotated-out secret still verifies (issue 18 point 1). */
export const PREVIOUS_SECRET_VALID_HOURS = 24;

export const WebhookSubscriptionSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  url: z.string(),
  eventTypes: z.array(WebhookEventTypeSchema).min(1),
  /** Only events of these accounts; absent: every account of the organisation. */
  accountIds: z.array(z.string()).optional(),
  enabled: z.boolean(),
  /** The e-mail of the org-admin who made it (who is told when it is paused). */
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Counts up at each rotation (1: the secret it was created with). */
  secretVersion: z.number().int().positive(),
  secretRotatedAt: z.string().optional(),
  /** Until when the secret before the current one still verifies (absent: there is none). */
  previousSecretExpiresAt: z.string().optional(),
  /** Since when every delivery has failed (cleared by a delivered one); a day of it pauses the subscription. */
  failingSince: z.string().optional(),
  /** When the service paused it because its deliveries failed for a day (cleared when enabled again). */
  pausedAt: z.string().optional(),
});
export type WebhookSubscription = z.infer<typeof WebhookSubscriptionSchema>;

const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 bytes. */
export const WebhookSecretSchema = z.string().refine((value) => {
  const body = WHSEC.exec(value)?.[1];
  if (!body || body.length % 4 !== 0) return false;
  const bytes = Buffer.from(body, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}, 'not a whsec_ secret of 24 to 64 bytes');

/** The secret made from `bytes` random bytes (at least 24, as Standard Webhooks asks). */
export function webhookSecretOf(bytes: Uint8Array): string {
  if (bytes.length < 24 || bytes.length > 64)
    throw new Error('A webhook secret takes 24 to 64 random bytes.');
  return `whsec_${Buffer.from(bytes).toString('base64')}`;
}

/**
 * What the secret store holds for one subscription: the current secret, and the one before it with
 * its expiry (a receiver still verifying with the old one keeps working for a day after a rotation).
 */
export const WebhookSigningSecretsSchema = z.object({
  current: WebhookSecretSchema,
  previous: z.object({ secret: WebhookSecretSchema, expiresAt: z.string() }).optional(),
});
export type WebhookSigningSecrets = z.infer<typeof WebhookSigningSecretsSchema>;

/** The secrets that verify at `now`: the current one, and the previous one until it expires. */
export function validSecrets(stored: WebhookSigningSecrets, now: Date): string[] {
  const previous = stored.previous;
  return previous && new Date(previous.expiresAt).getTime() > now.getTime()
    ? [stored.current, previous.secret]
    : [stored.current];
}

/** The stored value after a rotation at `now` to `next`: the current one becomes the previous one. */
export function rotatedSecrets(
  stored: WebhookSigningSecrets,
  next: string,
  now: Date,
): WebhookSigningSecrets {
  const expiresAt = new Date(now.getTime() + PREVIOUS_SECRET_VALID_HOURS * 3_600_000).toISOString();
  return { current: next, previous: { secret: stored.current, expiresAt } };
}
