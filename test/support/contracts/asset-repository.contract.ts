/**
 * What the licence use cases rely on from an `AssetRepository`: a reservation never promises more than
 * available − pending (also when many run at once), a settlement moves the counts and never takes the
 * reservation below zero, and Apple's facts are written without touching the reservation.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AssetRepository } from '../../../shared/application/ports/asset-repository.ts';
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

    it('settles grants (reserved to assigned), refusals (reservation back) and revocations (available again)', async () => {
      const asset = await reserved(3, { availableCount: 8, assignedCount: 2 });
      await repo.settle(accountId, asset.adamId, 'STDQ', { granted: 2, refused: 1 });
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 6,
        assignedCount: 4,
      });
      await repo.settle(accountId, asset.adamId, 'STDQ', { revoked: 3 });
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 9,
        assignedCount: 1,
      });
    });

    it('never takes the reservation below zero (a sync reset it), yet still counts the grant', async () => {
      const asset = await reserved(1, { availableCount: 8, assignedCount: 2 });
      await repo.settle(accountId, asset.adamId, 'STDQ', { granted: 3 });
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 5,
        assignedCount: 5,
      });
    });

    it('settles nothing on an asset it does not have, and does not create it', async () => {
      await repo.settle(accountId, 'missing', 'STDQ', { granted: 1, revoked: 1 });
      expect(await repo.get(accountId, 'missing', 'STDQ')).toBeUndefined();
    });

    it('removes an asset', async () => {
      const asset = await reserved(0);
      await repo.remove(accountId, asset.adamId, 'STDQ');
      expect(await repo.get(accountId, asset.adamId, 'STDQ')).toBeUndefined();
      expect(await repo.listByAccount(accountId)).toEqual([]);
    });
  });
}
