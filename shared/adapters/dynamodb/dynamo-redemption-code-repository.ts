/**
 * `RedemptionCodeRepository` on the assets table, under the account's partition (so the account purge
 * removes them): `CODE#<id>` for each code, sealed, and `CODELOOKUP#<hmac>` for the claim that keeps a
 * code unique in the account; both are written in one transaction.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../application/concurrency.ts';
import type { RedemptionCodeRepository } from '../../application/ports/redemption-code-repository.ts';
import { type RedemptionCode, RedemptionCodeSchema } from '../../domain/redemption-code.ts';
import { queryAll } from './batch.ts';
import { isConditionFailed, isTransactionCancelled } from './errors.ts';
import { accountPartition, keys, sortPrefix } from './keys.ts';
import { DynamoTable } from './table.ts';

/** Transactions sent at once by `addMany`. */
const ADD_CONCURRENCY = 8;

/** Whether a cancelled transaction failed on its first item's condition (the lookup claim). */
const claimTaken = (error: unknown): boolean => {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons === undefined || reasons[0]?.Code === 'ConditionalCheckFailed';
};

export class DynamoRedemptionCodeRepository extends DynamoTable implements RedemptionCodeRepository {
  async addMany(codes: readonly RedemptionCode[]) {
    const outcomes = await mapLimit(codes, ADD_CONCURRENCY, async (code) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.db.send(
            new TransactWriteCommand({
              TransactItems: [
                this.putIfAbsent({
                  ...keys.redemptionCodeLookup(code.accountId, code.lookup),
                  codeId: code.id,
                }),
                this.putIfAbsent(this.#item(code)),
              ],
            }),
          );
          return 'added' as const;
        } catch (error) {
          if (!isTransactionCancelled(error)) throw error;
          if (claimTaken(error)) return 'known' as const;
          // Another transaction held the claim at that moment: try again, a few times.
          if (attempt >= 3) throw error;
        }
      }
    });
    return {
      added: codes.filter((_, i) => outcomes[i] === 'added'),
      known: codes.filter((_, i) => outcomes[i] === 'known').map((c) => c.lookup),
    };
  }

  async get(accountId: string, codeId: string) {
    return this.getItem(keys.redemptionCode(accountId, codeId), RedemptionCodeSchema);
  }

  async listByAccount(accountId: string) {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': accountPartition(accountId), ':sk': sortPrefix.redemptionCodes },
      ConsistentRead: true,
    });
    return items.map((item) => RedemptionCodeSchema.parse(item));
  }

  async update(next: RedemptionCode, previous: RedemptionCode) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.#item(next),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': previous.version },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  #item(code: RedemptionCode): Record<string, unknown> {
    return { ...keys.redemptionCode(code.accountId, code.id), ...RedemptionCodeSchema.parse(code) };
  }
}
