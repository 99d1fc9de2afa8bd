/**
 * Settles assignments from Apple's answer to an event, whether the answer came as a notification or
 * from a status poll (SPEC §5.4, §5b). Each move is a conditional write from the state the service
 * left it in, so a duplicated or late answer moves nothing twice, and the job counts each subject once.
 * - A grant that succeeded becomes `granted` and gives back its reservation (Apple's count now has it).
 * - A grant Apple refused becomes `failed` with Apple's number and reason, and gives back its reservation.
 * - A revocation that succeeded becomes `revoked`; one Apple refused stays `granted`, with the error.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import type { JobFailure } from '../../domain/job.ts';
import { mapLimit } from '../concurrency.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import { appleError } from '../ports/vpp-errors.ts';

export interface SettleDeps {
  readonly assignments: AssignmentRepository;
  readonly assets: AssetRepository;
  readonly jobs: JobRepository;
  readonly clock: Clock;
}

export interface TaskOutcome {
  readonly record: AssignmentRecord;
  /** Undefined: the task succeeded. `code` names a failure that is not Apple's (a removed account). */
  readonly error?: { readonly errorNumber?: number; readonly errorMessage?: string; readonly code?: string };
}

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

/**
 * Applies task outcomes to records still waiting for `eventId` (undefined: records never sent, settled
 * without an event). Returns how many moved.
 */
export async function settleTasks(
  deps: SettleDeps,
  eventId: string | undefined,
  outcomes: readonly TaskOutcome[],
): Promise<number> {
  const now = deps.clock.now().toISOString();
  const perJob = new Map<string, { completed: number; failures: JobFailure[] }>();
  const counts = new Map<
    string,
    {
      accountId: string;
      adamId: string;
      pricingParam: AssignmentRecord['pricingParam'];
      granted: number;
      refused: number;
      revoked: number;
    }
  >();
  const planned = outcomes
    .filter(
      ({ record }) =>
        record.eventId === eventId && (record.state === 'pending-grant' || record.state === 'pending-revoke'),
    )
    .map(({ record, error }) => {
      const granting = record.state === 'pending-grant';
      const why = !error
        ? undefined
        : error.code || error.errorNumber === undefined
          ? { code: error.code ?? 'operation.failed', reason: error.errorMessage ?? 'The operation failed.' }
          : reasonFor(error.errorNumber, error.errorMessage);
      const next: AssignmentRecord = {
        ...record,
        state: error ? (granting ? 'failed' : 'granted') : granting ? 'granted' : 'revoked',
        eventId: undefined,
        error:
          error && why
            ? { ...(error.errorNumber === undefined ? {} : { errorNumber: error.errorNumber }), ...why }
            : undefined,
        updatedAt: now,
      };
      return { record, error, granting, why, next };
    });
  const done = await mapLimit(planned, 25, ({ record, next }) =>
    deps.assignments.transition(next, [record.state]),
  );
  let moved = 0;
  planned.forEach(({ record, error, granting, why }, index) => {
    if (!done[index]) return;
    moved++;
    const k = `${record.accountId}|${record.adamId}|${record.pricingParam}`;
    const entry = counts.get(k) ?? {
      accountId: record.accountId,
      adamId: record.adamId,
      pricingParam: record.pricingParam,
      granted: 0,
      refused: 0,
      revoked: 0,
    };
    if (granting && !error) entry.granted++;
    else if (granting) entry.refused++;
    else if (!error) entry.revoked++;
    counts.set(k, entry);
    if (record.jobId) {
      const progress = perJob.get(record.jobId) ?? { completed: 0, failures: [] };
      if (error && why) {
        progress.failures.push({
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
      } else progress.completed++;
      perJob.set(record.jobId, progress);
    }
  });
  for (const c of counts.values()) await deps.assets.settle(c.accountId, c.adamId, c.pricingParam, c);
  for (const [jobId, progress] of perJob) await deps.jobs.recordProgress(jobId, progress);
  return moved;
}
