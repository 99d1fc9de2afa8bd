/**
 * Who holds what. State changes are conditional writes on the state the caller saw, so two workers,
 * or a worker and a sync, can never both move the same assignment.
 */
import type { PricingParam } from '../../domain/asset.ts';
import type { AssignmentRecord, AssignmentState, SubjectType } from '../../domain/assignment.ts';

/** What names one record within an account: the asset and the subject. */
export type AssignmentKey = Pick<AssignmentRecord, 'adamId' | 'pricingParam' | 'subjectType' | 'subjectId'>;

/** One conditional move: the record as it becomes, and the states it may be in before (`absent`: none). */
export interface AssignmentMove {
  readonly next: AssignmentRecord;
  readonly from: readonly (AssignmentState | 'absent')[];
}

/** One page of an account's records, in key order; `cursor` (opaque) reads the next, none: the last. */
export interface AssignmentPage {
  readonly items: AssignmentRecord[];
  readonly cursor?: string | undefined;
}

export interface AssignmentRepository {
  listByAccount(accountId: string): Promise<AssignmentRecord[]>;
  /**
   * An account's records a page at a time (at most `limit`), from `cursor`: a walk that holds one page
   * (the sync's search for holdings gone at Apple). A cursor of another account is refused.
   */
  pageByAccount(
    accountId: string,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage>;
  listByAsset(accountId: string, adamId: string, pricingParam: PricingParam): Promise<AssignmentRecord[]>;
  /**
   * An asset's records of one subject type a page at a time (at most `limit`), by subject id, from
   * `cursor`, read consistently: the reconciliation's walk beside the devices, holding one page. A
   * cursor of another asset, subject type or account is refused.
   */
  pageByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage>;
  /** A device's assignments in every account of the organisation, or a user's in its account. */
  listBySubject(
    orgId: string,
    accountId: string | undefined,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord[]>;
  listByEvent(eventId: string): Promise<AssignmentRecord[]>;
  /** An account's records in flight (`pending-grant`, `pending-revoke`) that last moved before `before`. */
  listInFlightSince(accountId: string, before: string): Promise<AssignmentRecord[]>;
  get(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord | undefined>;
  /** The records of the given keys that exist (batched reads). */
  getMany(accountId: string, keys: readonly AssignmentKey[]): Promise<AssignmentRecord[]>;
  /** Writes many records as they are (sync), batched. */
  putMany(records: readonly AssignmentRecord[]): Promise<void>;
  /**
   * Moves one record from one of `from` to `next`; returns false when its state was not in `from`
   * (someone else moved it first). `from: 'absent'` creates it only if it does not exist.
   */
  transition(next: AssignmentRecord, from: readonly (AssignmentState | 'absent')[]): Promise<boolean>;
  /**
   * `transition` for many records of different keys at once (written in batches, each record on its
   * own condition): answers, in order, whether each moved. One record refused moves no other back.
   */
  transitionMany(moves: readonly AssignmentMove[]): Promise<boolean[]>;
}
