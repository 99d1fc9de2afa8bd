/**
 * The settlement over the fake assignments, assets and jobs, as `DynamoSettlementStore` commits it:
 * a record moves only while it is in the state and has the event id the settler read; the counts of the
 * moves that landed are added to their asset (reservations given back, never below zero; the holders
 * its moves add or take, `holderCount`; an absent asset is left out) and job (an absent job is left
 * out), all at once.
 */
import {
  type BatchClosing,
  MAX_SETTLEMENT_MOVES,
  type SettlementMove,
  type SettlementStore,
} from '../../../shared/application/ports/settlement-store.ts';
import { holderCountChange } from '../../../shared/domain/assignment.ts';
import { type MemoryAssetRepository, unreserve } from './asset-repository.ts';
import type { MemoryAssignmentRepository } from './assignment-repository.ts';
import type { MemoryJobRepository } from './job-repository.ts';

export class MemorySettlementStore implements SettlementStore {
  readonly #assignments: MemoryAssignmentRepository;
  readonly #assets: MemoryAssetRepository;
  readonly #jobs: MemoryJobRepository;
  /** How many commits were made (tests of chunking). */
  commits = 0;

  constructor(stores: {
    assignments: MemoryAssignmentRepository;
    assets: MemoryAssetRepository;
    jobs: MemoryJobRepository;
  }) {
    this.#assignments = stores.assignments;
    this.#assets = stores.assets;
    this.#jobs = stores.jobs;
  }

  async closeBatch(closing: BatchClosing): Promise<boolean> {
    const { jobId, index, claimId, eventIds, refused, completed, unreserve: asset } = closing;
    const closed = this.#jobs.closeBatch(jobId, index, claimId, {
      eventIds: [...eventIds],
      refused,
    });
    if (!closed) return false;
    if (refused + completed > 0) {
      this.#jobs.addCounts(jobId, { completed, failed: refused });
      const stored = asset
        ? this.#assets.stored(asset.accountId, asset.adamId, asset.pricingParam)
        : undefined;
      if (stored) unreserve(stored, refused + completed);
    }
    return true;
  }

  async commit(moves: readonly SettlementMove[]): Promise<boolean[]> {
    if (moves.length > MAX_SETTLEMENT_MOVES)
      throw new Error(`A settlement takes at most ${MAX_SETTLEMENT_MOVES} moves (${moves.length} given).`);
    // One transaction cannot write one item twice.
    const items = new Set(
      moves.map(
        ({ record: r }) => `${r.accountId}|${r.adamId}|${r.pricingParam}|${r.subjectType}|${r.subjectId}`,
      ),
    );
    if (items.size < moves.length) throw new Error('A settlement cannot move one record twice.');
    this.commits++;
    const landed = moves.map(({ record, next }) => this.#assignments.moveIf(record, next));
    const assets = new Map<
      string,
      { accountId: string; adamId: string; pricingParam: string; unreserve: number; holders: number }
    >();
    const jobs = new Map<string, { completed: number; failed: number }>();
    moves.forEach(({ record, next, asset, job }, i) => {
      if (!landed[i]) return;
      const holders = holderCountChange(record.state, next.state);
      if (asset || holders !== 0) {
        const k = `${record.accountId}|${record.adamId}|${record.pricingParam}`;
        const entry = assets.get(k) ?? { ...record, unreserve: 0, holders: 0 };
        if (asset) entry.unreserve++;
        entry.holders += holders;
        assets.set(k, entry);
      }
      if (record.jobId) {
        const entry = jobs.get(record.jobId) ?? { completed: 0, failed: 0 };
        entry[job]++;
        jobs.set(record.jobId, entry);
      }
    });
    for (const { accountId, adamId, pricingParam, unreserve: count, holders } of assets.values()) {
      const stored = this.#assets.stored(accountId, adamId, pricingParam);
      if (!stored) continue;
      unreserve(stored, count);
      // As DynamoDB's ADD: a count not known yet starts from zero.
      if (holders !== 0) stored.holderCount = (stored.holderCount ?? 0) + holders;
    }
    for (const [jobId, counts] of jobs) this.#jobs.addCounts(jobId, counts);
    return landed;
  }
}
