/**
 * What the licence use cases rely on from an `AssetRepository`: a reservation never promises more than
 * min(available, total − assigned) − pending (also when many run at once), reservations given back
 * never go below zero and never touch Apple's counts, Apple's facts are written without touching the
 * reservation, and the account's totals always equal the sums over its assets (also when many write
 * at once).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AssetRepository } from '../../../shared/application/ports/asset-repository.ts';
import { countsOf } from '../../../shared/domain/account-counts.ts';
import { anAsset, type Make, newEnv, uid } from './support.ts';

export function describeAssetRepositoryContract(name: string, make: Make<AssetRepository>): void {
  describe(`AssetRepository contract: ${name}`, () => {
    let repo: AssetRepository;
    let accountId: string;
    beforeEach(async () => {
      repo = await make(newEnv());
      accountId = uid('account');
    });

    const reserved = async (pending: number, over = {}) => {
      const asset = anAsset({ accountId, ...over });
      await repo.saveAppleFacts([asset]);
      if (pending > 0)
        expect(await repo.reserve(accountId, asset.adamId, asset.pricingParam, pending)).toBe(pending);
      return asset;
    };

    it("stores a new asset with no reservation, whatever the record says, and Apple's facts later without touching it", async () => {
      const asset = anAsset({ accountId, pendingCount: 5, name: 'Keynote' });
      await repo.saveAppleFacts([asset]);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toEqual({ ...asset, pendingCount: 0 });
      await repo.reserve(accountId, asset.adamId, 'STDQ', 2);
      const { name: _name, ...withoutName } = asset;
      await repo.saveAppleFacts([{ ...withoutName, availableCount: 7, assignedCount: 3, pendingCount: 0 }]);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        availableCount: 7,
        assignedCount: 3,
        pendingCount: 2,
        name: 'Keynote',
      });
    });

    it('finds the holdings of an adamId by pricing parameter, and no other adamId that starts the same', async () => {
      const stdq = anAsset({ accountId, adamId: '123', pricingParam: 'STDQ' });
      const plus = anAsset({ accountId, adamId: '123', pricingParam: 'PLUS' });
      const longer = anAsset({ accountId, adamId: '1234' });
      const elsewhere = anAsset({ accountId: uid('other'), adamId: '123' });
      await repo.saveAppleFacts([stdq, plus, longer, elsewhere]);
      const found = await repo.findByAdamId(accountId, '123');
      expect(found.map((a) => a.pricingParam).sort()).toEqual(['PLUS', 'STDQ']);
      expect(
        (await repo.listByAccount(accountId)).map((a) => `${a.adamId}:${a.pricingParam}`).sort(),
      ).toEqual(['123:PLUS', '123:STDQ', '1234:STDQ'].sort());
      expect(await repo.get(accountId, '123', 'PLUS')).toMatchObject({ pricingParam: 'PLUS' });
      expect(await repo.get(accountId, '999', 'STDQ')).toBeUndefined();
    });

    it('reserves no more than available − pending, and nothing when nothing is free or nothing is asked', async () => {
      const asset = await reserved(0, { availableCount: 3 });
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 2)).toBe(2);
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 5)).toBe(1);
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 1)).toBe(0);
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 0)).toBe(0);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 3,
        availableCount: 3,
      });
      expect(await repo.reserve(accountId, 'missing', 'STDQ', 1)).toBe(0);
    });

    it('reserves everything asked of an unlimited asset', async () => {
      const asset = await reserved(0, { unlimited: true, availableCount: 0, totalCount: 2_147_483_647 });
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 500)).toBe(500);
    });

    it('never promises more than is free to reservations made at the same time', async () => {
      const asset = await reserved(0, { availableCount: 5 });
      const taken = await Promise.all(
        Array.from({ length: 8 }, () => repo.reserve(accountId, asset.adamId, 'STDQ', 1)),
      );
      expect(taken.reduce((a, b) => a + b, 0)).toBe(5);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 5 });
    });

    it('reserves no more than total − assigned when Apple’s counts do not add up', async () => {
      // Apple says 4 available, but 10 − 8 = 2: only 2 may be promised.
      const asset = await reserved(0, { totalCount: 10, assignedCount: 8, availableCount: 4 });
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 5)).toBe(2);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 2,
        availableCount: 4,
        assignedCount: 8,
      });
      expect(await repo.reserve(accountId, asset.adamId, 'STDQ', 1)).toBe(0);
    });

    it('gives reservations back without touching Apple’s counts, and never below zero', async () => {
      const asset = await reserved(3, { availableCount: 8, assignedCount: 2 });
      await repo.unreserve(accountId, asset.adamId, 'STDQ', 2);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 1,
        availableCount: 8,
        assignedCount: 2,
      });
      await repo.unreserve(accountId, asset.adamId, 'STDQ', 3);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
    });

    it('keeps the holder count through Apple’s facts, moves it only once known, and sets it only from what was seen', async () => {
      const asset = anAsset({ accountId, holderCount: 7 });
      await repo.saveAppleFacts([asset]);
      // Not known yet: Apple's facts do not bring one, and a move leaves it unknown.
      expect((await repo.get(accountId, asset.adamId, 'STDQ'))?.holderCount).toBeUndefined();
      await repo.moveHolderCount(accountId, asset.adamId, 'STDQ', 2);
      expect((await repo.get(accountId, asset.adamId, 'STDQ'))?.holderCount).toBeUndefined();
      expect(await repo.setHolderCount(accountId, asset.adamId, 'STDQ', 3, 1)).toBe(false);
      expect(await repo.setHolderCount(accountId, asset.adamId, 'STDQ', 3, undefined)).toBe(true);
      await repo.moveHolderCount(accountId, asset.adamId, 'STDQ', -1);
      await repo.saveAppleFacts([{ ...asset, assignedCount: 9, holderCount: 0 }]);
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        holderCount: 2,
        assignedCount: 9,
      });
      // Someone moved it since the check read 3: the check's count is not written.
      expect(await repo.setHolderCount(accountId, asset.adamId, 'STDQ', 5, 3)).toBe(false);
      expect(await repo.setHolderCount(accountId, asset.adamId, 'STDQ', 5, 2)).toBe(true);
      expect((await repo.get(accountId, asset.adamId, 'STDQ'))?.holderCount).toBe(5);
      // An asset it does not have is not created.
      expect(await repo.setHolderCount(accountId, 'missing', 'STDQ', 1, undefined)).toBe(false);
      await repo.moveHolderCount(accountId, 'missing', 'STDQ', 1);
      expect(await repo.get(accountId, 'missing', 'STDQ')).toBeUndefined();
    });

    it('gives back nothing on an asset it does not have, and does not create it', async () => {
      await repo.unreserve(accountId, 'missing', 'STDQ', 1);
      expect(await repo.get(accountId, 'missing', 'STDQ')).toBeUndefined();
      expect(await repo.totals(accountId)).toEqual({
        assets: 0,
        licenses: { total: 0, assigned: 0, available: 0 },
      });
    });

    it('keeps the account’s totals equal to the sums over its assets that are not unlimited, through every write', async () => {
      const totalsNow = async () => {
        const { users: _u, ...byDefinition } = countsOf(await repo.listByAccount(accountId), []);
        expect(await repo.totals(accountId)).toEqual(byDefinition);
        return byDefinition;
      };
      expect(await totalsNow()).toEqual({ assets: 0, licenses: { total: 0, assigned: 0, available: 0 } });
      const pages = anAsset({ accountId, adamId: '1', totalCount: 10, assignedCount: 4, availableCount: 6 });
      const free = anAsset({
        accountId,
        adamId: '2',
        unlimited: true,
        totalCount: 2_147_483_647,
        assignedCount: 30,
        availableCount: 0,
      });
      const book = anAsset({ accountId, adamId: '3', totalCount: 5, assignedCount: 5, availableCount: 0 });
      await repo.saveAppleFacts([pages, free, book, anAsset({ adamId: '9' })]);
      expect(await totalsNow()).toEqual({ assets: 3, licenses: { total: 15, assigned: 9, available: 6 } });
      await repo.saveAppleFacts([{ ...pages, assignedCount: 5, availableCount: 5 }]);
      await repo.saveAppleFacts([{ ...pages, assignedCount: 5, availableCount: 5 }]);
      await repo.reserve(accountId, '1', 'STDQ', 2);
      await repo.unreserve(accountId, '1', 'STDQ', 1);
      expect(await totalsNow()).toEqual({ assets: 3, licenses: { total: 15, assigned: 10, available: 5 } });
      await repo.remove(accountId, '3', 'STDQ');
      await repo.remove(accountId, '3', 'STDQ');
      expect(await totalsNow()).toEqual({ assets: 2, licenses: { total: 10, assigned: 5, available: 5 } });
    });

    it('keeps the totals right when many write the same asset at once', async () => {
      const asset = anAsset({ accountId, totalCount: 10, assignedCount: 0, availableCount: 10 });
      await repo.saveAppleFacts([asset]);
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          repo.saveAppleFacts([{ ...asset, assignedCount: i, availableCount: 10 - i }]),
        ),
      );
      const { users: _u, ...byDefinition } = countsOf(await repo.listByAccount(accountId), []);
      expect(await repo.totals(accountId)).toEqual(byDefinition);
    });

    it('removes an asset', async () => {
      const asset = await reserved(0);
      await repo.remove(accountId, asset.adamId, 'STDQ');
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toBeUndefined();
      expect(await repo.listByAccount(accountId)).toEqual([]);
    });
  });
}
