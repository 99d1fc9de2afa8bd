/**
 * `AssetRepository` on the assets table: `ACCOUNT#<id>`/`ASSET#<adamId>#<pricingParam>`. Reservations
 * are conditional updates (`availableCount - pendingCount >= n`), so concurrent grants can never
 * promise more licences than Apple says are available.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AssetRepository } from '../../application/ports/asset-repository.ts';
import { type AssetRecord, AssetRecordSchema, type PricingParam } from '../../domain/asset.ts';
import { batchWrite, queryAll } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { accountPartition, keys, sortPrefix } from './keys.ts';
import { DynamoTable } from './table.ts';

/**
 * The update that settles grants and revocations on an asset (also written in the settlement store's
 * transactions): `unreserve` reservations given back, Apple's available count moved by `available`
 * (and the assigned count the other way). The reservation never goes below zero: with `zero` (after
 * the plain update's condition failed, a sync having reset it) it is set to zero instead.
 */
export function settleUpdate(
  table: string,
  assetKey: ReturnType<typeof keys.asset>,
  delta: { unreserve: number; available: number },
  zero: boolean,
) {
  return {
    TableName: table,
    Key: assetKey,
    UpdateExpression:
      `SET pendingCount = ${zero ? ':zero' : 'pendingCount - :unreserve'}, ` +
      'availableCount = availableCount + :available, assignedCount = assignedCount + :assigned',
    ConditionExpression: zero ? 'attribute_exists(pk)' : 'pendingCount >= :unreserve',
    ExpressionAttributeValues: {
      ':available': delta.available,
      ':assigned': -delta.available,
      ...(zero ? { ':zero': 0 } : { ':unreserve': delta.unreserve }),
    },
  };
}

export class DynamoAssetRepository extends DynamoTable implements AssetRepository {
  async listByAccount(accountId: string): Promise<AssetRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :asset)',
      ExpressionAttributeValues: { ':pk': accountPartition(accountId), ':asset': sortPrefix.assets },
      ConsistentRead: true,
    });
    return items.map((item) => AssetRecordSchema.parse(item));
  }

  async findByAdamId(accountId: string, adamId: string): Promise<AssetRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :asset)',
      ExpressionAttributeValues: {
        ':pk': accountPartition(accountId),
        ':asset': sortPrefix.assetsOf(adamId),
      },
      ConsistentRead: true,
    });
    return items.map((item) => AssetRecordSchema.parse(item));
  }

  async get(accountId: string, adamId: string, pricingParam: PricingParam): Promise<AssetRecord | undefined> {
    return this.getItem(keys.asset(accountId, adamId, pricingParam), AssetRecordSchema);
  }

  async saveAppleFacts(assets: readonly AssetRecord[]): Promise<void> {
    for (const asset of assets) {
      const {
        pendingCount: _pending,
        accountId: _a,
        adamId: _id,
        pricingParam: _pp,
        ...facts
      } = AssetRecordSchema.parse(asset);
      const names = Object.keys(facts).filter((n) => facts[n as keyof typeof facts] !== undefined);
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.asset(asset.accountId, asset.adamId, asset.pricingParam),
          UpdateExpression: `SET ${names.map((_n, i) => `#f${i} = :v${i}`).join(', ')}, accountId = :account, adamId = :adam, pricingParam = :pp, pendingCount = if_not_exists(pendingCount, :zero)`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((n, i) => [`:v${i}`, facts[n as keyof typeof facts]])),
            ':account': asset.accountId,
            ':adam': asset.adamId,
            ':pp': asset.pricingParam,
            ':zero': 0,
          },
        }),
      );
    }
  }

  async remove(accountId: string, adamId: string, pricingParam: PricingParam): Promise<void> {
    await batchWrite(this.db, this.table, [
      { DeleteRequest: { Key: keys.asset(accountId, adamId, pricingParam) } },
    ]);
  }

  async reserve(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    wanted: number,
  ): Promise<number> {
    if (wanted <= 0) return 0;
    // Read what is free, then take it on the condition that Apple's count is unchanged and the
    // reservations leave room (conditions cannot do arithmetic, so the bound is computed here).
    // A concurrent reservation makes the condition fail; the next round sees the new numbers.
    for (let round = 0; round < 60; round++) {
      const asset = await this.get(accountId, adamId, pricingParam);
      if (!asset) return 0;
      const free = asset.unlimited ? wanted : Math.max(0, asset.availableCount - asset.pendingCount);
      const take = Math.min(wanted, free);
      if (take === 0) return 0;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.asset(accountId, adamId, pricingParam),
            UpdateExpression: 'SET pendingCount = pendingCount + :n',
            ConditionExpression: asset.unlimited
              ? 'attribute_exists(pk)'
              : 'availableCount = :available AND pendingCount <= :bound',
            ExpressionAttributeValues: asset.unlimited
              ? { ':n': take }
              : { ':n': take, ':available': asset.availableCount, ':bound': asset.availableCount - take },
          }),
        );
        return take;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round + 1, 10)));
      }
    }
    return 0;
  }

  async settle(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    counts: { granted?: number; refused?: number; revoked?: number },
  ): Promise<void> {
    const granted = counts.granted ?? 0;
    const unreserve = granted + (counts.refused ?? 0);
    const revoked = counts.revoked ?? 0;
    if (unreserve + revoked === 0) return;
    const update = (zero: boolean) =>
      new UpdateCommand(
        settleUpdate(
          this.table,
          keys.asset(accountId, adamId, pricingParam),
          { unreserve, available: revoked - granted },
          zero,
        ),
      );
    try {
      await this.db.send(update(false));
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The reservation is never below zero (a sync may have reset it): take what is left.
      await this.db.send(update(true)).catch((e: unknown) => {
        if (!isConditionFailed(e)) throw e;
      });
    }
  }
}
