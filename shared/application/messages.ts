/**
 * The messages each queue carries, as zod schemas: producers build them typed, workers parse them
 * (never `JSON.parse(x) as T`). Messages carry ids, never secrets.
 */
import * as z from 'zod';

const SubjectSchema = z.object({ type: z.enum(['device', 'user']), id: z.string().min(1) });
export type SubjectRef = z.infer<typeof SubjectSchema>;

/** Grant or revoke one asset for one batch of a job's subjects (the batch, written with the job, names them). */
export const LicenseOperationSchema = z.object({
  orgId: z.string(),
  accountId: z.string(),
  jobId: z.string(),
  batch: z.number().int().nonnegative(),
  /** Queued again by the stall sweep: a claim on the batch older than an hour is a dead delivery's. */
  resume: z.boolean().optional(),
});

export const JobMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sync'),
    orgId: z.string(),
    accountId: z.string(),
    jobId: z.string(),
    full: z.boolean().default(false),
    scheduled: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('device-removal'),
    orgId: z.string(),
    jobId: z.string(),
    serialNumber: z.string(),
    /** Queued again by the stall sweep: treated as a redelivery. */
    resume: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('invitation'),
    orgId: z.string(),
    accountId: z.string(),
    jobId: z.string(),
    userIds: z.array(z.string()).min(1),
  }),
  z.object({
    type: z.literal('reconcile'),
    orgId: z.string(),
    jobId: z.string().optional(),
    accountId: z.string().optional(),
    adamId: z.string().optional(),
    pricingParam: z.enum(['STDQ', 'PLUS']).optional(),
    debounceKey: z.string().optional(),
  }),
  z.object({
    type: z.literal('account-purge'),
    orgId: z.string(),
    accountId: z.string(),
    /** Items the earlier messages of this purge deleted. */
    removed: z.number().int().nonnegative().default(0),
    /** A later look, after a pass went through everything (stragglers written since are deleted). */
    recheck: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('retirement'),
    orgId: z.string(),
    accountId: z.string(),
    jobId: z.string(),
    userIds: z.array(z.string()).min(1),
    /** Queued again by the stall sweep: treated as a redelivery. */
    resume: z.boolean().optional(),
  }),
]);

/** What to do once an event has ended (a retirement retires the users after their licences are revoked). */
const ContinuationSchema = z.object({ retireUsers: z.array(z.string()).min(1) });

export const QUEUE_MESSAGES = {
  grants: LicenseOperationSchema,
  revocations: LicenseOperationSchema,
  notifications: z.object({
    accountId: z.string(),
    receivedAt: z.string(),
    notification: z.unknown(),
    /** How often it was put back: it answered a batch whose worker had not yet written its records. */
    deferrals: z.number().int().nonnegative().default(0),
  }),
  events: z.object({
    orgId: z.string(),
    accountId: z.string(),
    eventId: z.string(),
    eventType: z.enum(['ASSOCIATE', 'DISASSOCIATE', 'REVOKE', 'CREATE', 'UPDATE', 'RETIRE']),
    jobId: z.string().optional(),
    submittedAt: z.string(),
    polls: z.number().int().nonnegative().default(0),
    afterwards: ContinuationSchema.optional(),
  }),
  jobs: JobMessageSchema,
  /** One attempt of one webhook delivery (the record holds the event); `dueAt` chains waits past 900 s. */
  webhooks: z.object({
    orgId: z.string(),
    webhookId: z.string(),
    deliveryId: z.string(),
    attempt: z.number().int().positive(),
    dueAt: z.string().optional(),
  }),
} as const;

export type QueueName = keyof typeof QUEUE_MESSAGES;
export type QueueMessage<Q extends QueueName> = z.input<(typeof QUEUE_MESSAGES)[Q]>;
export type ParsedQueueMessage<Q extends QueueName> = z.output<(typeof QUEUE_MESSAGES)[Q]>;
export type JobMessage = z.output<typeof JobMessageSchema>;
