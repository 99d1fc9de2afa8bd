/** `SyncStateRepository` on the core table: `ACCOUNT#<id>`/`SYNC`, one item per account. */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SyncState, SyncStateRepository } from '../../application/ports/sync-state-repository.ts';

const key = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'SYNC' });

const SyncStateSchema = z.object({
  accountId: z.string(),
  usersVersionId: z.string().optional(),
  assignmentsVersionId: z.string().optional(),
  lastSyncAt: z.string().optional(),
  lastFullSyncAt: z.string().optional(),
  lastJobId: z.string().optional(),
  counts: z.object({
    assets: z.number(),
    licenses: z.object({ total: z.number(), assigned: z.number(), available: z.number() }),
    users: z.number(),
    assignments: z.number(),
  }),
});

export class DynamoSyncStateRepository implements SyncStateRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async get(accountId: string): Promise<SyncState | undefined> {
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key(accountId), ConsistentRead: true }),
    );
    return answer.Item ? SyncStateSchema.parse(answer.Item) : undefined;
  }

  async put(state: SyncState): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...key(state.accountId), ...SyncStateSchema.parse(state) },
      }),
    );
  }

  async remove(accountId: string): Promise<void> {
    await this.#db.send(new DeleteCommand({ TableName: this.#table, Key: key(accountId) }));
  }
}
