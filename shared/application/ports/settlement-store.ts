/**
 * Commits the settlement of Apple's answer: the records' moves and the counts they imply (the asset's
 * reservation, the job's outcomes) land together or not at all, so a worker that dies
 * between Apple's answer and its own writes leaves nothing half counted (SPEC §5.4, issue 7).
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import type { AssetCountChange } from '../../domain/assignment-state.ts';

/** The most moves one commit takes (one transaction: the moves, then their assets and jobs). */
export const MAX_SETTLEMENT_MOVES = 90;
/** The most assets and jobs, together, that the moves of one commit may touch. */
export const MAX_SETTLEMENT_COUNTERS = 10;

export interface SettlementMove {
  /** The record as the settler read it: it moves only while its state and event id are these. */
  readonly record: AssignmentRecord;
  readonly next: AssignmentRecord;
  /** What the move does to its asset: a grant done or refused gives back its reservation. */
  readonly asset?: AssetCountChange;
  /** What it counts in its record's job, if any. */
  readonly job: 'completed' | 'failed';
}

/** The end of a batch's delivery: Apple's events, and the subjects it refused without a record of theirs. */
export interface BatchClosing {
  readonly jobId: string;
  readonly index: number;
  /** The claim the delivery holds: the batch closes only while it is still this one's. */
  readonly claimId: string;
  readonly eventIds: readonly string[];
  /** Subjects whose records another request holds: counted as failed in the job (their failures written before). */
  readonly refused: number;
  /**
   * Subjects Apple holds as asked whose records another writer moved there first (a sync that read
   * Apple between the send and the record's write): counted as completed in the job.
   */
  readonly completed: number;
  /** The asset whose reservations the refused and completed subjects give back (a grant's). */
  readonly unreserve?: { readonly accountId: string; readonly adamId: string; readonly pricingParam: string };
}

export interface SettlementStore {
  /**
   * Closes a batch and counts its refused and completed subjects, at once: a batch closes once, so they
   * are counted once whatever the deliveries. False when it was closed already or another delivery
   * holds it.
   */
  closeBatch(closing: BatchClosing): Promise<boolean>;
  /**
   * Moves up to `MAX_SETTLEMENT_MOVES` records (of at most `MAX_SETTLEMENT_COUNTERS` assets and jobs)
   * and adds their counts in one atomic write. A record
   * someone else moved first is left out, with its counts. Returns, for each move, whether it landed.
   */
  commit(moves: readonly SettlementMove[]): Promise<boolean[]>;
}
