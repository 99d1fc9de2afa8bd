/** One write of a `TransactWriteCommand`. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * What a repository on one DynamoDB table is built on: the client, the table, a read of one item, the
 * transaction write of a new item.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { Clock } from '../../application/ports/clock.ts';

export abstract class DynamoTable {
  protected readonly db: DynamoDBDocumentClient;
  protected readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  /** The item under `key` (a consistent read), parsed by `schema`; undefined when there is none. */
  protected async getItem<T>(key: Record<string, string>, schema: z.ZodType<T>): Promise<T | undefined> {
    const answer = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return answer.Item ? schema.parse(answer.Item) : undefined;
  }

  /** A transaction's Put of an item whose key must be new: the transaction is cancelled if it exists. */
  protected putIfAbsent(item: Record<string, unknown>): TransactItem {
    return { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
  }
}

/** A repository on one table that also reads the clock (the times and expiries it writes). */
export abstract class ClockedDynamoTable extends DynamoTable {
  protected readonly clock: Clock;

  constructor(db: DynamoDBDocumentClient, table: string, clock: Clock) {
    super(db, table);
    this.clock = clock;
  }
}
