/**
 * Where jobs and their per-subject failures are kept. Counters are added atomically, so several
 * workers may report outcomes of one job at once.
 */
import type { Job, JobFailure, JobState } from '../../domain/job.ts';

export interface JobProgress {
  readonly completed?: number;
  readonly failures?: readonly JobFailure[];
  /** Items discovered while running (a sync that found more to do). */
  readonly addRequested?: number;
}

export interface JobRepository {
  create(job: Job): Promise<void>;
  /**
   * The job with its failures (the first `maxFailures` of them), or undefined. A job not ended has the
   * state its counts give, even if the writer that added them died before moving it.
   */
  get(jobId: string, options?: { maxFailures?: number }): Promise<Job | undefined>;
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
