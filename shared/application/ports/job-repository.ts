/**
 * Where jobs and their per-subject failures are kept. Counters are added atomically, so several
 * workers may report outcomes of one job at once.
 */
import type { Job, JobBatch, JobFailure, JobState, JobType } from '../../domain/job.ts';
import type { AssetKey } from './vpp-schemas.ts';

export interface JobProgress {
  readonly completed?: number;
  readonly failures?: readonly JobFailure[];
  /** Items discovered while running (a sync that found more to do). */
  readonly addRequested?: number;
}

/** Whose jobs a list reads: the organisation's, or only those about the accounts named (no organisation-wide job). */
export interface JobScope {
  readonly orgId: string;
  readonly accountIds?: readonly string[];
}

export interface JobListQuery {
  readonly type?: JobType | undefined;
  readonly state?: JobState | undefined;
  readonly limit: number;
  /** Where the previous page ended (its `nextCursor`). */
  readonly cursor?: string | undefined;
}

/** The most batches one job has: the job and its batches are written in one transaction. */
export const MAX_JOB_BATCHES = 99;

/** What taking a batch found: taken (with the claim it had before, if any), or why not. */
export type BatchTaken =
  | { readonly taken: true; readonly batch: JobBatch }
  | { readonly taken: false; readonly batch: JobBatch | undefined };

export interface JobRepository {
  create(job: Job): Promise<void>;
  /** A grant's or a revocation's job with its batches, at once: a job is never without them. */
  createWithBatches(job: Job, batches: readonly JobBatch[]): Promise<void>;
  /** A job's batches, in order. */
  batches(jobId: string): Promise<JobBatch[]>;
  /**
   * An account's batches not closed yet (of one asset, if named), oldest first: their subjects are in
   * flight before the workers write their records. Read from an index that may lag by a moment.
   */
  openBatches(accountId: string, asset?: AssetKey): Promise<JobBatch[]>;
  /**
   * Claims a batch for one delivery (`claim.at` is now), unless it is closed or another delivery holds
   * it; the same claim may be taken again (a redelivery), and one taken before `takeOverBefore` is
   * taken over (its delivery died). Answers the batch as it was before this claim.
   */
  takeBatch(
    jobId: string,
    index: number,
    claim: { readonly id: string; readonly at: string },
    options?: { readonly takeOverBefore?: string | undefined },
  ): Promise<BatchTaken>;
  /**
   * The job with its failures (the first `maxFailures` of them), or undefined. A job not ended has the
   * state its counts give, even if the writer that added them died before moving it.
   */
  get(jobId: string, options?: { maxFailures?: number }): Promise<Job | undefined>;
  /**
   * The jobs of `scope`, newest first (by creation), with the state their counts give and without
   * their failures; `type` and `state` filter. A page may come short, with a cursor, after going
   * through many jobs the filters skip.
   */
  list(scope: JobScope, query: JobListQuery): Promise<{ items: Job[]; nextCursor?: string }>;
  /** Notes the Apple event the job waits for and its next poll (no-op for a job not there or ended). */
  awaitEvent(jobId: string, wait: { eventId: string; nextCheckAt: string }): Promise<void>;
  /** Moves a queued job to running (no-op otherwise). */
  start(jobId: string): Promise<void>;
  /** Adds outcomes and moves the state on (queued → running → a final state when every item is done). */
  recordProgress(jobId: string, progress: JobProgress): Promise<Job>;
  /**
   * Writes failures without counting them (one per subject: written again, it replaces the first); a
   * settlement counts them with the moves of their records.
   */
  putFailures(jobId: string, failures: readonly JobFailure[]): Promise<void>;
  /** Moves the state on from the counts (a settlement added them); true when that ended the job. */
  moveOn(jobId: string): Promise<boolean>;
  /** Sets the state explicitly (a job that ends early, or fails as a whole) and the summary. */
  finish(jobId: string, state: JobState, summary?: Record<string, unknown>): Promise<void>;
  setSummary(jobId: string, summary: Record<string, unknown>): Promise<void>;
  /** Removes a job that turned out to have nothing to report (a scheduled sync with nothing new). */
  delete(jobId: string): Promise<void>;
}
