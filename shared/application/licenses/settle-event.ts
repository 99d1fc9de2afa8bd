/**
 * Settles assignments from Apple's answer to an event, whether the answer came as a notification or
 * from a status poll (SPEC §5.4, §5b). Each move is a conditional write from the state and event the
 * service left it in, committed with the counts it implies, so a duplicated or late answer moves
 * nothing twice, and the job and the asset count each subject once, even if the worker dies midway.
 * - A grant that succeeded becomes `granted` and gives back its reservation (Apple's count now has it).
 * - A grant Apple refused becomes `failed` with Apple's number and reason, and gives back its reservation.
 * - A revocation that succeeded becomes `revoked`; one Apple refused stays `granted`, with the error.
 */
import { assetKeyOf } from '../../domain/asset.ts';
import { type AssignmentRecord, holderCountChange, IN_FLIGHT } from '../../domain/assignment.ts';
import { settle } from '../../domain/assignment-state.ts';
import type { JobFailure } from '../../domain/job.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import {
  MAX_SETTLEMENT_COUNTERS,
  MAX_SETTLEMENT_MOVES,
  type SettlementMove,
  type SettlementStore,
} from '../ports/settlement-store.ts';
import { appleError, type VppApiError } from '../ports/vpp-errors.ts';
import type { AssetKey } from '../ports/vpp-schemas.ts';
import { publishLicenseEvents, type SettledMove } from '../webhooks/license-events.ts';
import type { PublishDeps } from '../webhooks/webhook-deliveries.ts';

export interface SettleDeps extends PublishDeps {
  readonly assignments: AssignmentRepository;
  readonly jobs: JobRepository;
  readonly settlements: SettlementStore;
  readonly clock: Clock;
}

export interface TaskOutcome {
  readonly record: AssignmentRecord;
  /** Undefined: the task succeeded. `code` names a failure that is not Apple's (a removed account). */
  readonly error?: { readonly errorNumber?: number; readonly errorMessage?: string; readonly code?: string };
}

/**
 * The records a failed call to Apple was for, failed with Apple's number and message; a failure Apple
 * gave no number for (the network, an unclear answer) as Apple's internal error (9603), never as ours.
 */
export const appleFailureOutcomes = (
  records: readonly AssignmentRecord[],
  error: VppApiError,
): TaskOutcome[] =>
  records.map((record) => ({
    record,
    error: { errorNumber: error.errorNumber ?? 9603, errorMessage: error.message },
  }));

/** A reason a person can act on, for each Apple number a task can fail with. */
export function reasonFor(errorNumber: number, fallback?: string): { code: string; reason: string } {
  const known = appleError(errorNumber);
  const reasons: Record<number, string> = {
    9709: 'Apple has no licence left for this asset: buy more or free some.',
    9609: 'Apple does not know this user (not registered, or retired): invite the user again.',
    9644: 'Apple was in maintenance: try again later.',
    9603: 'Apple had an internal error: try again.',
    9707: 'This asset cannot be assigned to devices.',
    9706: 'This asset cannot be taken back.',
  };
  return {
    code: `apple.${known?.kind ?? 'error'}`,
    reason: reasons[errorNumber] ?? fallback ?? known?.message ?? `Apple error ${errorNumber}.`,
  };
}

export const subjectLabel = (r: Pick<AssignmentRecord, 'subjectType' | 'subjectId'>) =>
  `${r.subjectType === 'device' ? 'device' : 'user'}:${r.subjectId}`;

export interface Settled {
  /** How many records moved. */
  readonly moved: number;
  /** The assets of the records that moved whose job this settlement ended (the drift check's cue). */
  readonly ended: AssetKey[];
}

/**
 * Applies task outcomes to records still waiting for `eventId` (undefined: records never sent, settled
 * without an event). Returns how many moved, and the assets of the jobs it ended.
 */
export async function settleTasks(
  deps: SettleDeps,
  eventId: string | undefined,
  outcomes: readonly TaskOutcome[],
): Promise<Settled> {
  const now = deps.clock.now().toISOString();
  // Each record once (a transaction cannot write one item twice).
  const unique = new Map<string, TaskOutcome>();
  for (const outcome of outcomes) {
    const { record } = outcome;
    if (record.eventId !== eventId || !IN_FLIGHT.has(record.state)) continue;
    const k = `${record.accountId}|${record.adamId}|${record.pricingParam}|${subjectLabel(record)}`;
    if (!unique.has(k)) unique.set(k, outcome);
  }
  const failures = new Map<string, JobFailure[]>();
  const errors = new Map<AssignmentRecord, TaskOutcome['error']>();
  const planned: SettlementMove[] = [...unique.values()].map(({ record, error }) => {
    errors.set(record, error);
    const why = !error
      ? undefined
      : error.code || error.errorNumber === undefined
        ? { code: error.code ?? 'operation.failed', reason: error.errorMessage ?? 'The operation failed.' }
        : reasonFor(error.errorNumber, error.errorMessage);
    if (record.jobId && error && why) {
      const list = failures.get(record.jobId) ?? [];
      list.push({
        subject: subjectLabel(record),
        ...why,
        ...(error.errorNumber === undefined
          ? {}
          : {
              appleError: {
                errorNumber: error.errorNumber,
                errorMessage: error.errorMessage ?? appleError(error.errorNumber)?.message ?? '',
              },
            }),
      });
      failures.set(record.jobId, list);
    }
    const moved = settle(
      record,
      error && why
        ? { ...(error.errorNumber === undefined ? {} : { errorNumber: error.errorNumber }), ...why }
        : undefined,
      now,
    );
    return {
      record,
      next: moved.record,
      ...(moved.asset ? { asset: moved.asset } : {}),
      job: error ? 'failed' : 'completed',
    };
  });
  // Failures first (one item per subject, so writing one again changes nothing); each is counted
  // with its record's move. Then the moves with their counts, atomically, a chunk at a time: a worker
  // that dies anywhere leaves every moved record counted, and a redelivery finds the rest to move.
  for (const [jobId, list] of failures) await deps.jobs.putFailures(jobId, list);
  let moved = 0;
  const landedMoves: SettledMove[] = [];
  const jobs = new Map<string, Map<string, AssetKey>>();
  for (const chunk of chunks(planned)) {
    const landed = await deps.settlements.commit(chunk);
    chunk.forEach(({ record }, index) => {
      if (!landed[index]) return;
      moved++;
      const error = errors.get(record);
      landedMoves.push({ record, next: chunk[index]?.next ?? record, ...(error ? { error } : {}) });
      if (!record.jobId) return;
      const assets = jobs.get(record.jobId) ?? new Map<string, AssetKey>();
      assets.set(assetKeyOf(record), { adamId: record.adamId, pricingParam: record.pricingParam });
      jobs.set(record.jobId, assets);
    });
  }
  // A worker that dies before this leaves the job with its counts: reading it gives the same state.
  const ended = new Map<string, AssetKey>();
  const endedJobs: string[] = [];
  for (const [jobId, assets] of jobs)
    if (await deps.jobs.moveOn(jobId)) {
      endedJobs.push(jobId);
      for (const [k, asset] of assets) ended.set(k, asset);
    }
  // Webhooks: one event per job, asset and outcome of this step, and job.finished for each ended.
  await publishLicenseEvents(deps, eventId, landedMoves, endedJobs);
  return { moved, ended: [...ended.values()] };
}

/** Moves in commits of at most `MAX_SETTLEMENT_MOVES`, touching at most `MAX_SETTLEMENT_COUNTERS` assets and jobs. */
function chunks(moves: readonly SettlementMove[]): SettlementMove[][] {
  const all: SettlementMove[][] = [];
  let chunk: SettlementMove[] = [];
  let counters = new Set<string>();
  for (const move of moves) {
    const { record } = move;
    const touchesAsset = move.asset !== undefined || holderCountChange(record.state, move.next.state) !== 0;
    const touched = [
      ...(touchesAsset ? [`asset:${record.accountId}|${record.adamId}|${record.pricingParam}`] : []),
      ...(record.jobId ? [`job:${record.jobId}`] : []),
    ];
    const more = new Set([...counters, ...touched]);
    if (chunk.length >= MAX_SETTLEMENT_MOVES || more.size > MAX_SETTLEMENT_COUNTERS) {
      all.push(chunk);
      chunk = [];
      counters = new Set(touched);
    } else counters = more;
    chunk.push(move);
  }
  if (chunk.length > 0) all.push(chunk);
  return all;
}
