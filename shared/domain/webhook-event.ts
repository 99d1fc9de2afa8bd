/**
 * The events a webhook delivers (issue 18 point 2), their payloads, the envelope they share, the
 * delivery record and its rules (backoff, when a subscription is paused).
 *
 * Envelope: `{id, type, createdAt, orgId, accountId?, data}`. `id` is the event's id and the
 * Standard Webhooks `webhook-id` of every attempt and redelivery of it (a receiver that remembers ids
 * drops a second copy). High-volume events (`license.*`) are batched per job step: one event per
 * closed batch of a job, its subjects in `data.subjects`, never one event per subject.
 */
import * as z from 'zod';
import { type WebhookEventType, WebhookEventTypeSchema } from './webhook.ts';

const Subject = z.object({ type: z.enum(['device', 'user']), id: z.string() });
const Asset = z.object({ adamId: z.string(), pricingParam: z.string() });
const AppleError = z.object({ code: z.union([z.string(), z.number()]).optional(), message: z.string() });

/** A batch of one job's licence changes for one asset (one job step). */
const LicenseBatch = z.object({
  jobId: z.string(),
  /** Apple's event the batch was sent as (absent: settled without reaching Apple). */
  appleEventId: z.string().optional(),
  asset: Asset,
  subjects: z.array(Subject),
  at: z.string(),
});

const User = z.object({
  userId: z.string(),
  clientUserId: z.string().optional(),
  email: z.string().optional(),
  at: z.string(),
});

const Token = z.object({ accountId: z.string(), expiresAt: z.string().optional(), at: z.string() });

/** Every event type's `data`, one home for the API document and the README. */
export const WEBHOOK_EVENT_PAYLOADS = {
  'license.granted': LicenseBatch.meta({ description: 'Licences assigned by one closed batch of a job.' }),
  'license.revoked': LicenseBatch.meta({ description: 'Licences taken back by one closed batch of a job.' }),
  'license.failed': LicenseBatch.extend({
    operation: z.enum(['grant', 'revoke']),
    subjects: z.array(Subject.extend({ error: AppleError })),
  }).meta({ description: "Subjects of one batch that Apple refused, each with Apple's error." }),
  'user.invited': z.object({ users: z.array(User) }),
  'user.associated': z.object({ users: z.array(User) }),
  'user.retired': z.object({ users: z.array(User) }),
  'user.email_bounced': User.extend({
    bounce: z.object({ state: z.enum(['bounced', 'complained']), type: z.string().optional() }),
  }),
  'shortage.opened': z.object({
    asset: Asset,
    requested: z.number().int(),
    available: z.number().int(),
    at: z.string(),
  }),
  'shortage.resolved': z.object({ asset: Asset, at: z.string() }),
  'token.expiring': Token.extend({ daysLeft: z.number().int() }),
  'token.expired': Token,
  'token.revoked': Token,
  'token.claimed_elsewhere': Token,
  'sync.drift': z.object({
    jobId: z.string().optional(),
    changes: z
      .object({ assets: z.number().int(), licenses: z.number().int(), users: z.number().int() })
      .partial(),
    at: z.string(),
  }),
  'job.finished': z.object({
    jobId: z.string(),
    kind: z.string(),
    status: z.string(),
    counts: z.record(z.string(), z.number()).optional(),
    at: z.string(),
  }),
} as const satisfies Record<WebhookEventType, z.ZodType>;

export type WebhookEventData<T extends WebhookEventType> = z.input<(typeof WEBHOOK_EVENT_PAYLOADS)[T]>;

export const WebhookEventSchema = z.object({
  id: z.string(),
  type: z.union([WebhookEventTypeSchema, z.literal('webhook.test')]),
  createdAt: z.string(),
  orgId: z.string(),
  accountId: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookEventEnvelope = z.infer<typeof WebhookEventSchema>;

/** One event on its way to one subscription (the delivery log's row). */
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  webhookId: z.string(),
  event: WebhookEventSchema,
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  lastDurationMs: z.number().int().optional(),
  nextAttemptAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/**
 * The default backoff: seconds to wait before attempt 2, 3, ... (about a day in all, doubling from
 * 30 s, capped at 6 h). After the last wait's attempt fails, the delivery is failed.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [
  30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 21_600, 21_600,
] as const;

/** The wait before attempt `attempts + 1` after `attempts` failed ones; undefined: give up. */
export function retryDelaySeconds(schedule: readonly number[], attempts: number): number | undefined {
  return attempts >= 1 ? schedule[attempts - 1] : 0;
}

/** How long a subscription's deliveries all fail before it is paused. */
export const PAUSE_AFTER_FAILING_HOURS = 24;

/** Paused when it has been failing since at least a day before `now` (no delivery succeeded since). */
export function shouldPause(failingSince: string | undefined, now: Date): boolean {
  return (
    failingSince !== undefined &&
    now.getTime() - new Date(failingSince).getTime() >= PAUSE_AFTER_FAILING_HOURS * 3_600_000
  );
}

/** SQS delays at most 900 s: a longer wait is chained through re-sends of this size. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** The delay of the next send towards `dueAt` from `now` (0: due now). */
export function nextHopSeconds(dueAt: Date, now: Date): number {
  const left = Math.ceil((dueAt.getTime() - now.getTime()) / 1000);
  return Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, left));
}
