/** Each account's sync record in a Map, and each run's checkpoints in order. */
import type {
  SyncCheckpoint,
  SyncState,
  SyncStateRepository,
} from '../../../shared/application/ports/sync-state-repository.ts';
import { copy } from './conditions.ts';

/** A deep copy; the keys' bytes copied apart (JSON would not keep them). */
const copyCheckpoint = ({ keys, ...rest }: SyncCheckpoint): SyncCheckpoint => ({
  ...copy(rest),
  ...(keys ? { keys: keys.slice() } : {}),
});

export class MemorySyncStateRepository implements SyncStateRepository {
  readonly #states = new Map<string, SyncState>();
  /** `accountId` → `jobId` → seq → checkpoint. */
  readonly #checkpoints = new Map<string, Map<string, Map<number, SyncCheckpoint>>>();

  async get(accountId: string): Promise<SyncState | undefined> {
    const found = this.#states.get(accountId);
    return found ? copy(found) : undefined;
  }

  async put(state: SyncState): Promise<void> {
    this.#states.set(state.accountId, copy(state));
  }

  async remove(accountId: string): Promise<void> {
    this.#states.delete(accountId);
    this.#checkpoints.delete(accountId);
  }

  async saveCheckpoint(checkpoint: SyncCheckpoint): Promise<boolean> {
    const runs = this.#checkpoints.get(checkpoint.accountId) ?? new Map();
    this.#checkpoints.set(checkpoint.accountId, runs);
    const run: Map<number, SyncCheckpoint> = runs.get(checkpoint.jobId) ?? new Map();
    runs.set(checkpoint.jobId, run);
    if (run.has(checkpoint.seq)) return false;
    run.set(checkpoint.seq, copyCheckpoint(checkpoint));
    return true;
  }

  async *checkpoints(accountId: string, jobId: string): AsyncIterable<SyncCheckpoint> {
    const run = this.#checkpoints.get(accountId)?.get(jobId);
    if (!run) return;
    for (const seq of [...run.keys()].sort((a, b) => a - b))
      yield copyCheckpoint(run.get(seq) as SyncCheckpoint);
  }

  /** How many checkpoints the account's runs have saved (bookkeeping writes). */
  checkpointCount(accountId: string): number {
    let n = 0;
    for (const run of this.#checkpoints.get(accountId)?.values() ?? []) n += run.size;
    return n;
  }
}
