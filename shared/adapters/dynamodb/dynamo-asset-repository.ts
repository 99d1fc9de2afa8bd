/**
 * `AssetRepository` on the assets table: `ACCOUNT#<id>`/`ASSET#<adamId>#<pricingParam>`, and the
 * account's totals `ACCOUNT#<id>`/`SUMMARY#ASSETS`. Reservations are conditional updates on the
 * counts read, so concurrent grants can never promise more licences than `freeLicenses`. Every write
 * of Apple's facts (or removal) is conditional on the counts it read and moves the totals in the same
 * transaction, so the totals always equal the sum of the assets.
 */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AssetRepository } from '../../application/ports/asset-repository.ts';
import {
  type AssetTotals,
  assetTotalsChange,
  NO_ASSETS,
  noTotalsChange,
} from '../../domain/account-counts.ts';
import {
  type AssetRecord,
  AssetRecordSchema,
  type PricingParam,
  promisableLicenses,
} from '../../domain/asset.ts';
import { queryAll } from './batch.ts';
import { isConditionFailed, isTransactionCancelled } from './errors.ts';
import { accountPartition, keys, sortPrefix } from './keys.ts';
import { DynamoTable } from './table.ts';

/**
 * The update that gives back reservations on an asset (also written in the settlement store's
 * transactions). The reservation never goes below zero: with `zero` (after the plain update's
 * condition failed, a sync having reset it) it is set to zero instead. Apple's counts are not touched.
 */
export function unreserveUpdate(
  table: string,
  assetKey: ReturnType<typeof keys.asset>,
  unreserve: number,
  zero: boolean,
  holders = 0,
) {
  // A settlement also moves the holders our records count (`holderCount`) by its moves.
  const addHolders = holders === 0 ? '' : ' ADD holderCount :holders';
  return {
    TableName: table,
    Key: assetKey,
    UpdateExpression: `SET pendingCount = ${zero ? ':zero' : 'pendingCount - :unreserve'}${addHolders}`,
    ConditionExpression: zero ? 'attribute_exists(pk)' : 'pendingCount >= :unreserve',
    ExpressionAttributeValues: {
      ...(zero ? { ':zero': 0 } : { ':unreserve': unreserve }),
      ...(holders === 0 ? {} : { ':holders': holders }),
    },
  };
}

/** The condition that the stored asset still has the counts `before` had (or that there is none). */
function unchangedSince(before: AssetRecord | undefined) {
  if (!before) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression:
      'attribute_exists(pk) AND unlimited = :wasUnlimited AND totalCount = :wasTotal AND ' +
      'assignedCount = :wasAssigned AND availableCount = :wasAvailable',
    ExpressionAttributeValues: {
      ':wasUnlimited': before.unlimited,
      ':wasTotal': before.totalCount,
      ':wasAssigned': before.assignedCount,
      ':wasAvailable': before.availableCount,
    },
  };
}

/** How many times a write of an asset is tried again when someone else changed it in between. */
const MAX_ROUNDS = 60;
const pause = (round: number) =>
  new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round + 1, 10)));

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
      const parsed = AssetRecordSchema.parse(asset);
      const {
        pendingCount: _pending,
        holderCount: _holders,
        accountId: _a,
        adamId: _id,
        pricingParam: _pp,
        ...facts
      } = parsed;
      const names = Object.keys(facts).filter((n) => facts[n as keyof typeof facts] !== undefined);
      await this.#changeCounted(asset.accountId, asset.adamId, asset.pricingParam, parsed, (before) => ({
        Update: {
          TableName: this.table,
          Key: keys.asset(asset.accountId, asset.adamId, asset.pricingParam),
          UpdateExpression: `SET ${names.map((_n, i) => `#f${i} = :v${i}`).join(', ')}, accountId = :account, adamId = :adam, pricingParam = :pp, pendingCount = if_not_exists(pendingCount, :zero)`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
          ...withValues(unchangedSince(before), {
            ...Object.fromEntries(names.map((n, i) => [`:v${i}`, facts[n as keyof typeof facts]])),
            ':account': asset.accountId,
            ':adam': asset.adamId,
            ':pp': asset.pricingParam,
            ':zero': 0,
          }),
        },
      }));
    }
  }

  async remove(accountId: string, adamId: string, pricingParam: PricingParam): Promise<void> {
    await this.#changeCounted(accountId, adamId, pricingParam, undefined, (before) =>
      before
        ? {
            Delete: {
              TableName: this.table,
              Key: keys.asset(accountId, adamId, pricingParam),
              ...unchangedSince(before),
            },
          }
        : undefined,
    );
  }

  async moveHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    change: number,
  ): Promise<void> {
    if (change === 0) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.asset(accountId, adamId, pricingParam),
          UpdateExpression: 'ADD holderCount :change',
          ConditionExpression: 'attribute_exists(holderCount)',
          ExpressionAttributeValues: { ':change': change },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async setHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    count: number,
    seen: number | undefined,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.asset(accountId, adamId, pricingParam),
          UpdateExpression: 'SET holderCount = :count',
          ConditionExpression:
            seen === undefined
              ? 'attribute_exists(pk) AND attribute_not_exists(holderCount)'
              : 'holderCount = :seen',
          ExpressionAttributeValues: { ':count': count, ...(seen === undefined ? {} : { ':seen': seen }) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async totals(accountId: string): Promise<AssetTotals> {
    const item = await this.getItem(keys.assetTotals(accountId), TotalsItemSchema);
    if (!item) return NO_ASSETS;
    return {
      assets: item.assets,
      licenses: {
        total: item.licensesTotal,
        assigned: item.licensesAssigned,
        available: item.licensesAvailable,
      },
    };
  }

  /**
   * Writes one asset (`write`, built on the record read: undefined when there is nothing to write)
   * and moves the account's totals by the change from what was read to `after`, in one transaction;
   * someone else's write in between makes it read and try again.
   */
  async #changeCounted(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    after: AssetRecord | undefined,
    write: (before: AssetRecord | undefined) => AssetWrite | undefined,
  ): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = await this.get(accountId, adamId, pricingParam);
      const item = write(before);
      if (!item) return;
      const change = assetTotalsChange(before, after);
      try {
        if (noTotalsChange(change)) {
          if (item.Update) await this.db.send(new UpdateCommand(item.Update));
          else await this.db.send(new TransactWriteCommand({ TransactItems: [item] }));
        } else {
          await this.db.send(
            new TransactWriteCommand({
              TransactItems: [item, { Update: totalsUpdate(this.table, accountId, change) }],
            }),
          );
        }
        return;
      } catch (error) {
        if (!isConditionFailed(error) && !isTransactionCancelled(error)) throw error;
        await pause(round);
      }
    }
    throw new Error('The asset kept changing while it was written; try again.');
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
      const free = asset.unlimited ? wanted : Math.max(0, promisableLicenses(asset) - asset.pendingCount);
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
              : 'availableCount = :available AND totalCount = :total AND assignedCount = :assigned AND pendingCount <= :bound',
            ExpressionAttributeValues: asset.unlimited
              ? { ':n': take }
              : {
                  ':n': take,
                  ':available': asset.availableCount,
                  ':total': asset.totalCount,
                  ':assigned': asset.assignedCount,
                  ':bound': promisableLicenses(asset) - take,
                },
          }),
        );
        return take;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        await pause(round);
      }
    }
    return 0;
  }

  async unreserve(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    count: number,
  ): Promise<void> {
    if (count <= 0) return;
    const key = keys.asset(accountId, adamId, pricingParam);
    try {
      await this.db.send(new UpdateCommand(unreserveUpdate(this.table, key, count, false)));
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The reservation is never below zero (a sync may have reset it): take what is left.
      await this.db
        .send(new UpdateCommand(unreserveUpdate(this.table, key, count, true)))
        .catch((e: unknown) => {
          if (!isConditionFailed(e)) throw e;
        });
    }
  }
}

type AssetWrite = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const TotalsItemSchema = z.object({
  assets: z.number(),
  licensesTotal: z.number(),
  licensesAssigned: z.number(),
  licensesAvailable: z.number(),
});

/** The update that moves an account's totals by `change`. */
function totalsUpdate(table: string, accountId: string, change: AssetTotals) {
  return {
    TableName: table,
    Key: keys.assetTotals(accountId),
    UpdateExpression:
      'ADD assets :assets, licensesTotal :total, licensesAssigned :assigned, licensesAvailable :available',
    ExpressionAttributeValues: {
      ':assets': change.assets,
      ':total': change.licenses.total,
      ':assigned': change.licenses.assigned,
      ':available': change.licenses.available,
    },
  };
}

/** A condition with its values, and more values of the write. */
function withValues(
  condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  values: Record<string, unknown>,
) {
  return {
    ConditionExpression: condition.ConditionExpression,
    ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ...values },
  };
}
