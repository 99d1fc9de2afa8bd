/**
 * The subjects of an asset's grants and revocations whose batches are not closed yet (SPEC §5.4). A
 * request writes no record (request-licenses.ts): until a worker sends its batch, a subject is in
 * flight only there. Every check of "in flight" reads these with the records: a request refuses a
 * queued subject as `assignment.in_flight`, and the reconciliation's plans see it in flight (neither
 * missing nor to take back), as they see a record waiting for Apple.
 */
import { type AssignmentRecord, IN_FLIGHT, type SubjectType } from '../../domain/assignment.ts';
import { inFlightState } from '../../domain/assignment-state.ts';
import type { JobBatch } from '../../domain/job.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { AssetKey } from '../ports/vpp-schemas.ts';

const labelOf = (type: SubjectType, id: string) => `${type}:${id}`;

export class QueuedSubjects {
  readonly #batchOf: ReadonlyMap<string, JobBatch>;

  private constructor(batchOf: ReadonlyMap<string, JobBatch>) {
    this.#batchOf = batchOf;
  }

  /** The queued subjects of one asset of an account (the batches are read from an index that may lag a moment). */
  static async of(
    jobs: Pick<JobRepository, 'openBatches'>,
    accountId: string,
    asset: AssetKey,
  ): Promise<QueuedSubjects> {
    const batchOf = new Map<string, JobBatch>();
    for (const batch of await jobs.openBatches(accountId, asset))
      for (const s of batch.subjects) batchOf.set(labelOf(s.type, s.id), batch);
    return new QueuedSubjects(batchOf);
  }

  static readonly NONE = new QueuedSubjects(new Map());

  has(type: SubjectType, id: string): boolean {
    return this.#batchOf.has(labelOf(type, id));
  }

  /**
   * A subject's holding as the plans see it: in flight while it is queued (whatever its record says
   * until the worker writes it), otherwise its record.
   */
  holder(
    subjectType: SubjectType,
    subjectId: string,
    record: AssignmentRecord | undefined,
  ): AssignmentRecord | undefined {
    const batch = this.#batchOf.get(labelOf(subjectType, subjectId));
    if (!batch || (record && IN_FLIGHT.has(record.state))) return record;
    return {
      orgId: batch.orgId,
      accountId: batch.accountId,
      adamId: batch.asset.adamId,
      pricingParam: batch.asset.pricingParam,
      subjectType,
      subjectId,
      state: inFlightState(batch.kind),
      source: batch.source,
      jobId: batch.jobId,
      createdAt: record?.createdAt ?? batch.createdAt,
      updatedAt: batch.createdAt,
    };
  }

  /** `records` (of `subjectType`, or of both) as the plans see them, with a holding for each queued subject that has none. */
  holders(records: readonly AssignmentRecord[], subjectType?: SubjectType): AssignmentRecord[] {
    const seen = new Set(records.map((r) => labelOf(r.subjectType, r.subjectId)));
    const seeing = records.map((r) => this.holder(r.subjectType, r.subjectId, r) as AssignmentRecord);
    for (const label of this.#batchOf.keys()) {
      const [type, id] = label.split(/:(.*)/s) as [SubjectType, string];
      if (seen.has(label) || (subjectType && type !== subjectType)) continue;
      const queued = this.holder(type, id, undefined);
      if (queued) seeing.push(queued);
    }
    return seeing;
  }
}
