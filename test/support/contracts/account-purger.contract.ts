/**
 * What an account's purge relies on from an `AccountPurger`: everything kept under the account goes
 * (assets, deployments, users with their e-mail claims, licence records), at most `budget` items a
 * call, and nothing of another account.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountPurger } from '../../../shared/application/ports/account-purger.ts';
import type { AssetRepository } from '../../../shared/application/ports/asset-repository.ts';
import type { AssignmentRepository } from '../../../shared/application/ports/assignment-repository.ts';
import type { DeploymentRepository } from '../../../shared/application/ports/deployment-repository.ts';
import type { UserRepository } from '../../../shared/application/ports/user-repository.ts';
import { aDeployment, anAsset, aRecord, aUser, type Make, newEnv, uid } from './support.ts';

export interface PurgerStores {
  readonly purger: AccountPurger;
  readonly assets: AssetRepository;
  readonly deployments: DeploymentRepository;
  readonly users: UserRepository;
  readonly assignments: AssignmentRepository;
}

export function describeAccountPurgerContract(name: string, make: Make<PurgerStores>): void {
  describe(`AccountPurger contract: ${name}`, () => {
    let s: PurgerStores;
    beforeEach(async () => {
      s = await make(newEnv());
    });

    async function fill(accountId: string) {
      await s.assets.saveAppleFacts([
        anAsset({ accountId, adamId: '1' }),
        anAsset({ accountId, adamId: '2' }),
      ]);
      await s.deployments.put(aDeployment({ accountId, adamId: '1' }));
      await s.users.addMany([aUser({ accountId }), aUser({ accountId })]);
      await s.assignments.putMany([
        aRecord({ accountId, subjectId: 'A' }),
        aRecord({ accountId, subjectId: 'B' }),
      ]);
    }
    async function left(accountId: string) {
      return (
        (await s.assets.listByAccount(accountId)).length +
        (await s.deployments.list()).filter((d) => d.accountId === accountId).length +
        (await s.users.listByAccount(accountId)).length +
        (await s.assignments.listByAccount(accountId)).length
      );
    }

    it('removes everything of the account, e-mail claims included, and nothing of another', async () => {
      const gone = uid('account');
      const kept = uid('account');
      await fill(gone);
      await fill(kept);
      const email = (await s.users.listByAccount(gone))[0]?.email as string;
      const result = await s.purger.purge(gone, 1000);
      expect(result.done).toBe(true);
      expect(result.removed).toBeGreaterThanOrEqual(7);
      expect(await left(gone)).toBe(0);
      expect(await s.users.findByEmail(gone, email)).toBeUndefined();
      expect(await left(kept)).toBe(7);
    });

    it('stops at its budget and finishes on later calls', async () => {
      const accountId = uid('account');
      await fill(accountId);
      const first = await s.purger.purge(accountId, 3);
      expect(first).toEqual({ removed: 3, done: false });
      let removed = first.removed;
      for (let call = 0; call < 10; call++) {
        const next = await s.purger.purge(accountId, 3);
        expect(next.removed).toBeLessThanOrEqual(3);
        removed += next.removed;
        if (next.done) break;
      }
      expect(await left(accountId)).toBe(0);
      expect(removed).toBeGreaterThanOrEqual(7);
      expect(await s.purger.purge(accountId, 3)).toEqual({ removed: 0, done: true });
    });
  });
}
