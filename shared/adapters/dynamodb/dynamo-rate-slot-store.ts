/**
 * `RateSlotStore` on the core table: `RATE#<token hash>`/`SLOT`, one item per content token holding
 * its next free Apple request slot, moved by a conditional put (compare-and-swap). Read strongly
 * consistent, so a caller never works from a slot another process has already moved. The item lapses
 * an hour after its slot (`ttl`): a token nobody uses keeps nothing.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RateSlotStore, SwapResult } from '../../application/ports/rate-slot-store.ts';
import { isConditionFailed } from './errors.ts';
import { keys } from './keys.ts';
import { DynamoTable } from './table.ts';

export class DynamoRateSlotStore extends DynamoTable implements RateSlotStore {
  async read(key: string): Promise<number | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.rateSlot(key), ConsistentRead: true }),
    );
    return typeof Item?.slotAt === 'number' ? Item.slotAt : undefined;
  }

  async swap(key: string, expected: number | undefined, next: number): Promise<SwapResult> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.rateSlot(key), slotAt: next, ttl: Math.ceil(next / 1000) + 3600 },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'slotAt = :expected',
                ExpressionAttributeValues: { ':expected': expected },
              }),
          // A refused swap answers the slot as it is now: the caller tries again without a read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { swapped: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const old = (error as { Item?: { slotAt?: { N?: string } } }).Item;
      if (old)
        return { swapped: false, current: old.slotAt?.N === undefined ? undefined : Number(old.slotAt.N) };
      return { swapped: false, current: await this.read(key) };
    }
  }
}
