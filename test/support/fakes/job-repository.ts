/**
 * Jobs and their failures in Maps, as `DynamoJobRepository` keeps them: counts added (never set), one
 * failure per subject, the state moved on from the counts unless the job has already ended, and a job
 * read with counts but an old state shows the state its counts give.
 */
import type { Clock } from '../../../shared/application/ports/clock.ts';
import {
  type BatchTaken,
  type JobListQuery,
  type JobProgress,
  type JobRepository,
  type JobScope,
  MAX_JOB_BATCHES,
} from '../../../shared/application/ports/job-repository.ts';
import type { AssetKey } from '../../../shared/application/ports/vpp-schemas.ts';
import {
  FINAL_JOB_STATES,
  type Job,
  type JobBatch,
  JobBatchSchema,
  type JobFailure,
  JobFailureSchema,
  JobSchema,
  type JobState,
  stateFromCounts,
} from '../../../shared/domain/job.ts';
import { byKey, conditionalCheckFailed, copy } from './conditions.ts';

type StoredJob = Omit<Job, 'failures'>;

export class MemoryJobRepository implements JobRepository {
  readonly #jobs = new Map<string, StoredJob>();
  readonly #failures = new Map<string, Map<string, JobFailure>>();
  readonly #batches = new Map<string, JobBatch[]>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  #stored(jobId: string): StoredJob {
    const job = this.#jobs.get(jobId);
    if (!job) throw conditionalCheckFailed(`no job ${jobId}`);
    return job;
  }

  #putFailures(jobId: string, failures: readonly JobFailure[]): void {
    const list = this.#failures.get(jobId) ?? new Map<string, JobFailure>();
    for (const f of failures) list.set(f.subject, JobFailureSchema.parse(copy(f)));
    this.#failures.set(jobId, list);
  }

  #moveState(job: StoredJob, to: JobState): void {
    if (FINAL_JOB_STATES.has(job.state)) return;
    job.state = to;
    job.updatedAt = this.#clock.now().toISOString();
  }

  async create(job: Job): Promise<void> {
    if (this.#jobs.has(job.id)) throw conditionalCheckFailed(`job ${job.id} exists`);
    const { failures, ...stored } = JobSchema.parse(copy(job));
    this.#jobs.set(job.id, stored);
    if (failures.length > 0) this.#putFailures(job.id, failures);
  }

  async createWithBatches(job: Job, batches: readonly JobBatch[]): Promise<void> {
    if (batches.length > MAX_JOB_BATCHES) throw new Error(`A job has at most ${MAX_JOB_BATCHES} batches.`);
    await this.create(job);
    this.#batches.set(
      job.id,
      batches.map((b) => JobBatchSchema.parse(copy(b))),
    );
  }

  async batches(jobId: string): Promise<JobBatch[]> {
    return copy([...(this.#batches.get(jobId) ?? [])].sort(byKey((b) => String(b.index).padStart(4, '0'))));
  }

  async openBatches(accountId: string, asset?: AssetKey): Promise<JobBatch[]> {
    const position = (b: JobBatch) => `${b.createdAt}#${b.jobId}#${String(b.index).padStart(4, '0')}`;
    return copy(
      [...this.#batches.values()]
        .flat()
        .filter((b) => b.accountId === accountId && b.sentAt === undefined)
        .filter(
          (b) => !asset || (b.asset.adamId === asset.adamId && b.asset.pricingParam === asset.pricingParam),
        )
        .sort(byKey((b) => `${b.asset.adamId}#${b.asset.pricingParam}#${position(b)}`)),
    );
  }

  async takeBatch(
    jobId: string,
    index: number,
    claim: { readonly id: string; readonly at: string },
    options: { readonly takeOverBefore?: string | undefined } = {},
  ): Promise<BatchTaken> {
    const list = this.#batches.get(jobId) ?? [];
    const at = list.findIndex((b) => b.index === index);
    const batch = list[at];
    if (!batch) return { taken: false, batch: undefined };
    const free =
      batch.sentAt === undefined &&
      (!batch.claim ||
        batch.claim.id === claim.id ||
        (options.takeOverBefore !== undefined && batch.claim.at < options.takeOverBefore));
    if (!free) return { taken: false, batch: copy(batch) };
    list[at] = { ...batch, claim: { id: claim.id, at: claim.at } };
    return { taken: true, batch: copy(batch) };
  }

  /** Closes a batch held by `claimId` (the settlement store's part); false when it is not. */
  closeBatch(
    jobId: string,
    index: number,
    claimId: string,
    closed: Pick<JobBatch, 'eventIds' | 'refused'>,
  ): boolean {
    const list = this.#batches.get(jobId) ?? [];
    const at = list.findIndex((b) => b.index === index);
    const batch = list[at];
    if (!batch || batch.sentAt !== undefined || batch.claim?.id !== claimId) return false;
    list[at] = JobBatchSchema.parse(copy({ ...batch, ...closed, sentAt: this.#clock.now().toISOString() }));
    return true;
  }

  async get(jobId: string, options: { maxFailures?: number } = {}): Promise<Job | undefined> {
    const stored = this.#jobs.get(jobId);
    if (!stored) return undefined;
    const job = stored.completed + stored.failed > 0 ? { ...stored, state: stateFromCounts(stored) } : stored;
    const failures =
      options.maxFailures === 0
        ? []
        : [...(this.#failures.get(jobId)?.values() ?? [])]
            .sort(byKey((f) => f.subject))
            .slice(0, options.maxFailures ?? 1000);
    return copy({ ...job, failures });
  }

  async list(scope: JobScope, query: JobListQuery): Promise<{ items: Job[]; nextCursor?: string }> {
    const position = (job: StoredJob) => `${job.createdAt}#${job.id}`;
    const accounts = scope.accountIds ? new Set(scope.accountIds) : undefined;
    const matching = [...this.#jobs.values()]
      .filter((job) => job.orgId === scope.orgId)
      .filter((job) => !accounts || (job.accountId !== undefined && accounts.has(job.accountId)))
      .filter((job) => query.cursor === undefined || position(job) < query.cursor)
      .map((job) => (job.completed + job.failed > 0 ? { ...job, state: stateFromCounts(job) } : job))
      .filter((job) => query.type === undefined || job.type === query.type)
      .filter((job) => query.state === undefined || job.state === query.state)
      .sort(byKey((job) => position(job)))
      .reverse();
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((job) => copy({ ...job, failures: [] })),
      ...(matching.length > query.limit && last ? { nextCursor: position(last) } : {}),
    };
  }

  async awaitEvent(jobId: string, wait: { eventId: string; nextCheckAt: string }): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (!job || FINAL_JOB_STATES.has(job.state)) return;
    job.awaitingEvent = { eventId: wait.eventId, nextCheckAt: wait.nextCheckAt };
    job.updatedAt = this.#clock.now().toISOString();
  }

  async start(jobId: string): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (job?.state !== 'queued') return;
    job.state = 'running';
    job.updatedAt = this.#clock.now().toISOString();
  }

  async recordProgress(jobId: string, progress: JobProgress): Promise<Job> {
    const failures = progress.failures ?? [];
    // As in the table: the failures are written first, then the counts (on a job that must exist).
    if (failures.length > 0) this.#putFailures(jobId, failures);
    const job = this.#stored(jobId);
    job.completed += progress.completed ?? 0;
    job.failed += failures.length;
    job.requested += progress.addRequested ?? 0;
    job.updatedAt = this.#clock.now().toISOString();
    const next = stateFromCounts(job);
    if (next !== job.state) this.#moveState(job, next);
    return copy({ ...job, state: next, failures: [] });
  }

  async putFailures(jobId: string, failures: readonly JobFailure[]): Promise<void> {
    if (failures.length > 0) this.#putFailures(jobId, failures);
  }

  async moveOn(jobId: string): Promise<boolean> {
    const job = this.#jobs.get(jobId);
    if (!job) return false;
    const next = stateFromCounts(job);
    if (next === job.state) return false;
    this.#moveState(job, next);
    return FINAL_JOB_STATES.has(next);
  }

  async finish(jobId: string, state: JobState, summary?: Record<string, unknown>): Promise<void> {
    const job = this.#stored(jobId);
    job.state = state;
    job.updatedAt = this.#clock.now().toISOString();
    if (summary) job.summary = copy(summary);
  }

  async setSummary(jobId: string, summary: Record<string, unknown>): Promise<void> {
    const job = this.#stored(jobId);
    job.summary = copy(summary);
    job.updatedAt = this.#clock.now().toISOString();
  }

  async delete(jobId: string): Promise<void> {
    this.#jobs.delete(jobId);
    this.#batches.delete(jobId);
  }

  /** For the fake settlement store: adds counts to a job that exists (false when it does not). */
  addCounts(jobId: string, counts: { completed: number; failed: number }): boolean {
    const job = this.#jobs.get(jobId);
    if (!job) return false;
    job.completed += counts.completed;
    job.failed += counts.failed;
    job.updatedAt = this.#clock.now().toISOString();
    return true;
  }
}
