/**
 * Deletes what the fakes keep under an account's partition, table by table as `DynamoAccountPurger`
 * does (assets with deployments, users with e-mail claims, assignments), at most `budget` items a call.
 */
import type { AccountPurger } from '../../../shared/application/ports/account-purger.ts';
import type { MemoryAssetRepository } from './asset-repository.ts';
import type { MemoryAssignmentRepository } from './assignment-repository.ts';
import type { MemoryDeploymentRepository } from './deployment-repository.ts';
import type { MemoryUserRepository } from './user-repository.ts';

export class MemoryAccountPurger implements AccountPurger {
  readonly #tables: ((accountId: string) => { sk: string; remove: () => void }[])[];

  constructor(stores: {
    assets: MemoryAssetRepository;
    deployments: MemoryDeploymentRepository;
    users: MemoryUserRepository;
    assignments: MemoryAssignmentRepository;
  }) {
    this.#tables = [
      (id) => [...stores.assets.keysOf(id), ...stores.deployments.keysOf(id)],
      (id) => stores.users.keysOf(id),
      (id) => stores.assignments.keysOf(id),
    ];
  }

  async purge(accountId: string, budget: number): Promise<{ removed: number; done: boolean }> {
    let removed = 0;
    for (const table of this.#tables) {
      const items = table(accountId).sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
      for (const item of items.slice(0, Math.max(0, budget - removed))) {
        item.remove();
        removed++;
      }
      if (removed >= budget) return { removed, done: false };
    }
    return { removed, done: true };
  }
}
