/**
 * The life of an assignment record, as one table: each move, the states it may start from, and where
 * it leaves the record (SPEC §3, §5.3, §5.4). Every use case moves records through `next` (or
 * `requested`, for a request's fresh record) and writes them on the condition `from` gives, so a
 * record moved by someone else in between is left alone.
 *
 * | move             | absent        | revoked       | failed        | pending-grant | granted        | pending-revoke |
 * | ---------------- | ------------- | ------------- | ------------- | ------------- | -------------- | -------------- |
 * | grant            | pending-grant | pending-grant | pending-grant |               |                |                |
 * | revoke           |               |               |               |               | pending-revoke |                |
 * | send             |               |               |               | pending-grant |                | pending-revoke |
 * | settle-success   |               |               |               | granted       |                | revoked        |
 * | settle-failure   |               |               |               | failed        |                | granted        |
 * | found-at-apple   | granted       | granted       | granted       |               |                |                |
 * | gone-at-apple    |               |               |               |               | revoked        |                |
 * | leave-scope      |               |               |               |               | granted        |                |
 * | back-in-scope    |               |               |               |               | granted        |                |
 *
 * - `send` marks a record in flight with what it waits for: Apple's event id, or the claim of the
 *   worker that settles it without sending: the state stays, only Apple's answer moves it.
 * - A settlement also says what it does to its asset: a grant done or refused gives back its
 *   reservation (`asset`). Apple's counts are never moved here: they are re-read from Apple.
 * - A sync or a re-read never touches a record in flight: only Apple's answer to it settles it.
 */
import type { AssignmentRecord, AssignmentState } from './assignment.ts';

/** A state, or no record at all. */
export type AssignmentFromState = AssignmentState | 'absent';

/** What a settlement does to its asset: a grant that ended gives back its reservation. */
export type AssetCountChange = 'unreserve';

interface Cell {
  readonly to: AssignmentState;
  readonly asset?: AssetCountChange;
}

export const ASSIGNMENT_MOVES = {
  grant: {
    absent: { to: 'pending-grant' },
    revoked: { to: 'pending-grant' },
    failed: { to: 'pending-grant' },
  },
  revoke: { granted: { to: 'pending-revoke' } },
  send: { 'pending-grant': { to: 'pending-grant' }, 'pending-revoke': { to: 'pending-revoke' } },
  'settle-success': {
    'pending-grant': { to: 'granted', asset: 'unreserve' },
    'pending-revoke': { to: 'revoked' },
  },
  'settle-failure': {
    'pending-grant': { to: 'failed', asset: 'unreserve' },
    // Apple refused to take it back: the subject still holds it.
    'pending-revoke': { to: 'granted' },
  },
  'found-at-apple': {
    absent: { to: 'granted' },
    revoked: { to: 'granted' },
    failed: { to: 'granted' },
  },
  'gone-at-apple': { granted: { to: 'revoked' } },
  'leave-scope': { granted: { to: 'granted' } },
  'back-in-scope': { granted: { to: 'granted' } },
} as const satisfies Record<string, Partial<Record<AssignmentFromState, Cell>>>;

export type AssignmentMove = keyof typeof ASSIGNMENT_MOVES;

const cellOf = (move: AssignmentMove, from: AssignmentFromState): Cell | undefined =>
  (ASSIGNMENT_MOVES[move] as Partial<Record<AssignmentFromState, Cell>>)[from];

/** The states `move` may start from: the condition of a write that did not read the record first. */
export function movableFrom(move: AssignmentMove): readonly AssignmentFromState[] {
  return Object.keys(ASSIGNMENT_MOVES[move]) as AssignmentFromState[];
}

/** Whether `move` applies to a record in `state` (`undefined`: no record). */
export function canMove(state: AssignmentFromState | undefined, move: AssignmentMove): boolean {
  return cellOf(move, state ?? 'absent') !== undefined;
}

/** The fields a move may change besides the state (each caller names the ones its move sets). */
export type AssignmentChanges = Partial<
  Pick<AssignmentRecord, 'jobId' | 'eventId' | 'error' | 'outOfScopeSince' | 'source' | 'createdAt'>
>;

export interface AssignmentMoved {
  /** The record after the move. */
  readonly record: AssignmentRecord;
  /** The condition of its write: the state the record was read in. */
  readonly from: readonly AssignmentFromState[];
  /** What the move does to its asset, if anything (settlements of grants only). */
  readonly asset?: AssetCountChange;
}

/**
 * `record` after `move`, at `at`, with `changes`. Throws when the table has no such move from the
 * record's state: callers pick their records by state first, so this is a bug, never an input.
 */
export function next(
  record: AssignmentRecord,
  move: AssignmentMove,
  at: string,
  changes: AssignmentChanges = {},
): AssignmentMoved {
  const cell = cellOf(move, record.state);
  if (!cell) throw new Error(`An assignment cannot ${move} from ${record.state}.`);
  return {
    record: { ...record, ...changes, state: cell.to, updatedAt: at },
    from: [record.state],
    ...(cell.asset ? { asset: cell.asset } : {}),
  };
}

/** The outcome of a record in flight: success, or Apple's (or our) reason. */
export function settle(
  record: AssignmentRecord,
  error: AssignmentRecord['error'],
  at: string,
): AssignmentMoved {
  return next(record, error ? 'settle-failure' : 'settle-success', at, { eventId: undefined, error });
}

/** The state a grant or a revocation waits in until Apple's answer settles it. */
export const inFlightState = (kind: 'grant' | 'revoke'): AssignmentState =>
  kind === 'grant' ? ASSIGNMENT_MOVES.grant.absent.to : ASSIGNMENT_MOVES.revoke.granted.to;

/**
 * A request's record for one subject, whatever it held before (a grant replaces a revoked or failed
 * record, a revocation a granted one): written on the condition `movableFrom(kind)`.
 */
export function requested(
  kind: 'grant' | 'revoke',
  fields: Omit<AssignmentRecord, 'state'>,
): AssignmentMoved {
  return { record: { ...fields, state: inFlightState(kind) }, from: movableFrom(kind) };
}

/**
 * Our record of a holding Apple has that we do not (no record, or one revoked or failed): granted,
 * keeping what we knew of it (its source, creation and job); a new one is Apple's own.
 */
export function foundAtApple(
  subject: Pick<
    AssignmentRecord,
    'orgId' | 'accountId' | 'adamId' | 'pricingParam' | 'subjectType' | 'subjectId'
  >,
  existing: AssignmentRecord | undefined,
  at: string,
): AssignmentRecord {
  if (existing && !canMove(existing.state, 'found-at-apple'))
    throw new Error(`A record ${existing.state} is not found at Apple.`);
  return {
    ...subject,
    state: ASSIGNMENT_MOVES['found-at-apple'].absent.to,
    source: existing?.source ?? 'apple',
    ...(existing?.jobId ? { jobId: existing.jobId } : {}),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
}
