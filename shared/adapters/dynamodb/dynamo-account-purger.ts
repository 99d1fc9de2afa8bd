/**
 * `AccountPurger` over the tables that keep an account's data under its partition (`ACCOUNT#<id>`):
 * assets (with deployments), users (with e-mail claims) and assignments. Keys only are read, a page at
 * a time, and deleted in batches; deleting again what is gone changes nothing, so a retry is safe.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountPurger } from '../../application/ports/account-purger.ts';
import { batchWrite } from './batch.ts';
import { accountPartition } from './keys.ts';

export class DynamoAccountPurger implements AccountPurger {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: readonly string[];

  /** `tables`: every table that keeps items under `ACCOUNT#<id>` (not the core table's account row). */
  constructor(db: DynamoDBDocumentClient, tables: readonly string[]) {
    this.#db = db;
    this.#tables = tables;
  }

  async purge(accountId: string, budget: number): Promise<{ removed: number; done: boolean }> {
    let removed = 0;
    for (const table of this.#tables) {
      while (removed < budget) {
        const page = await this.#db.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': accountPartition(accountId) },
            ProjectionExpression: 'pk, sk',
            Limit: Math.min(1000, budget - removed),
          }),
        );
        const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
        if (keys.length === 0) break;
        await batchWrite(
          this.#db,
          table,
          keys.map((Key) => ({ DeleteRequest: { Key } })),
        );
        removed += keys.length;
      }
      if (removed >= budget) return { removed, done: false };
    }
    return { removed, done: true };
  }
}
