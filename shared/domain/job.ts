/**
 * A job: one asynchronous operation (a grant, a revocation, a sync, an invitation batch, a retirement,
 * a reconciliation) and its progress, as SPEC §3 defines it.
 */
import * as z from 'zod';
import { PricingParamSchema } from './asset.ts';
import { AssignmentSourceSchema, SubjectTypeSchema } from './assignment.ts';

export const JobTypeSchema = z.enum([
  'grant',
  'revocation',
  'sync',
  'invitation',
  'retirement',
  'reconciliation',
  'device-removal',
]);
export type JobType = z.infer<typeof JobTypeSchema>;

export const JobStateSchema = z.enum(['queued', 'running', 'succeeded', 'partially_failed', 'failed']);
export type JobState = z.infer<typeof JobStateSchema>;

export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'partially_failed', 'failed']);

export const AppleErrorRefSchema = z.object({ errorNumber: z.number().int(), errorMessage: z.string() });

export const JobFailureSchema = z.object({
  subject: z.string(),
  code: z.string(),
  reason: z.string(),
  appleError: AppleErrorRefSchema.optional(),
});
export type JobFailure = z.infer<typeof JobFailureSchema>;

export const JobSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  accountId: z.string().optional(),
  type: JobTypeSchema,
  state: JobStateSchema,
  requested: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  failures: z.array(JobFailureSchema),
  /** Free-form facts of the job's result (a sync's drift report, a retirement's kept books). */
  summary: z.record(z.string(), z.unknown()).optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** A debounced job (a reconciliation after a change): the time its run is due; changes until then join it. */
  debouncedUntil: z.string().optional(),
  /** The Apple event the job last sent and waits for, and when it is next polled if no notification comes. */
  awaitingEvent: z.object({ eventId: z.string(), nextCheckAt: z.string() }).optional(),
});
export type Job = z.infer<typeof JobSchema>;

/**
 * One queue message's share of a grant or a revocation (SPEC §5.4): its subjects, written with the job,
 * and how far its delivery got. A worker claims it before sending (a duplicate or a redelivery finds
 * the claim), and closes it once each subject is sent or refused (`sentAt`, Apple's events, how many
 * were refused). A batch not closed an hour after its job began was dropped: the stall sweep sends it
 * again.
 */
export const JobBatchSchema = z.object({
  jobId: z.string(),
  index: z.number().int().nonnegative(),
  kind: z.enum(['grant', 'revoke']),
  orgId: z.string(),
  accountId: z.string(),
  asset: z.object({ adamId: z.string(), pricingParam: PricingParamSchema }),
  source: AssignmentSourceSchema,
  subjects: z.array(z.object({ type: SubjectTypeSchema, id: z.string() })).min(1),
  createdAt: z.string(),
  /** The delivery sending it (`claim:<message id>`) and when it took it. */
  claim: z.object({ id: z.string(), at: z.string() }).optional(),
  sentAt: z.string().optional(),
  eventIds: z.array(z.string()).optional(),
  refused: z.number().int().nonnegative().optional(),
});
export type JobBatch = z.infer<typeof JobBatchSchema>;

export const WaitingForSchema = z.object({
  kind: z.enum(['apple-event', 'debounce', 'queue']),
  eventId: z.string().optional(),
  nextCheckAt: z.string().optional(),
});
export type WaitingFor = z.infer<typeof WaitingForSchema>;

/**
 * What a job not ended waits for, from its record: the Apple event it last sent (`nextCheckAt` is the
 * next status poll, the fallback if Apple's notification does not come first), the end of its
 * debounce (queued before `debouncedUntil`), or else a worker to take its next message (`queue`).
 * An ended job waits for nothing.
 */
export function waitingFor(
  job: Pick<Job, 'state' | 'debouncedUntil' | 'awaitingEvent'>,
  now: Date,
): WaitingFor | undefined {
  if (FINAL_JOB_STATES.has(job.state)) return undefined;
  if (job.awaitingEvent)
    return {
      kind: 'apple-event',
      eventId: job.awaitingEvent.eventId,
      nextCheckAt: job.awaitingEvent.nextCheckAt,
    };
  if (job.state === 'queued' && job.debouncedUntil && new Date(job.debouncedUntil).getTime() > now.getTime())
    return { kind: 'debounce', nextCheckAt: job.debouncedUntil };
  return { kind: 'queue' };
}

/**
 * The state a job has reached from its counts: still running until every requested item has an
 * outcome; then succeeded (no failure), failed (nothing done) or partially failed.
 */
export function stateFromCounts(job: Pick<Job, 'requested' | 'completed' | 'failed' | 'state'>): JobState {
  if (FINAL_JOB_STATES.has(job.state)) return job.state;
  if (job.completed + job.failed < job.requested)
    return job.completed + job.failed === 0 ? job.state : 'running';
  if (job.failed === 0) return 'succeeded';
  return job.completed === 0 ? 'failed' : 'partially_failed';
}
