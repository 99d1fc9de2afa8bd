/** Each account's sync record in a Map. */
import type {
  SyncState,
  SyncStateRepository,
} from '../../../shared/application/ports/sync-state-repository.ts';
import { copy } from './conditions.ts';

export class MemorySyncStateRepository implements SyncStateRepository {
  readonly #states = new Map<string, SyncState>();

  async get(accountId: string): Promise<SyncState | undefined> {
    const found = this.#states.get(accountId);
    return found ? copy(found) : undefined;
  }

  async put(state: SyncState): Promise<void> {
    this.#states.set(state.accountId, copy(state));
  }

  async remove(accountId: string): Promise<void> {
    this.#states.delete(accountId);
  }
}
