/**
 * A job: one asynchronous operation (a grant, a revocation, a sync, an invitation batch, a retirement,
 * a reconciliation) and its progress, as SPEC §3 defines it.
 */
import * as z from 'zod';

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
});
export type Job = z.infer<typeof JobSchema>;

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
