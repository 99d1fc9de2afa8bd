/**
 * `SyncStateRepository` on the core table: `ACCOUNT#<id>`/`SYNC`, one item per account, and a sync
 * run's checkpoints beside it, `ACCOUNT#<id>`/`CHECKPOINT#<jobId>#<seq>` (bookkeeping: one per page a
 * sync reads, each put only if its `seq` is new, lapsing two days after the sync started).
 */
import { DeleteCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type SyncCheckpoint,
  SyncProgressSchema,
  type SyncState,
  type SyncStateRepository,
} from '../../application/ports/sync-state-repository.ts';
import { batchWrite } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { accountPartition, keys, SYNC_CHECKPOINT_PREFIX } from './keys.ts';
import { DynamoTable } from './table.ts';

const SyncStateSchema = z.object({
  accountId: z.string(),
  usersVersionId: z.string().optional(),
  assignmentsVersionId: z.string().optional(),
  lastSyncAt: z.string().optional(),
  lastFullSyncAt: z.string().optional(),
  lastJobId: z.string().optional(),
  counts: z.object({ assignments: z.number() }),
});

const CheckpointSchema = z.object({
  accountId: z.string(),
  jobId: z.string(),
  seq: z.number().int().min(1),
  progress: SyncProgressSchema,
  keys: z.instanceof(Uint8Array).optional(),
});

const CHECKPOINT_DAYS = 2;

export class DynamoSyncStateRepository extends DynamoTable implements SyncStateRepository {
  async get(accountId: string): Promise<SyncState | undefined> {
    return this.getItem(keys.syncState(accountId), SyncStateSchema);
  }

  async put(state: SyncState): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.syncState(state.accountId), ...SyncStateSchema.parse(state) },
      }),
    );
  }

  async remove(accountId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.syncState(accountId) }));
    const checkpoints: { DeleteRequest: { Key: Record<string, unknown> } }[] = [];
    for await (const page of this.#query(accountId, SYNC_CHECKPOINT_PREFIX, ['pk', 'sk']))
      for (const item of page) checkpoints.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
    await batchWrite(this.db, this.table, checkpoints);
  }

  async saveCheckpoint(checkpoint: SyncCheckpoint): Promise<boolean> {
    const { accountId, jobId, seq } = checkpoint;
    const ttl = Math.ceil(Date.parse(checkpoint.progress.stamp) / 1000) + CHECKPOINT_DAYS * 86_400;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.syncCheckpoint(accountId, jobId, seq),
            ...CheckpointSchema.parse(checkpoint),
            ttl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async *checkpoints(accountId: string, jobId: string): AsyncIterable<SyncCheckpoint> {
    for await (const page of this.#query(accountId, `${SYNC_CHECKPOINT_PREFIX}${jobId}#`))
      for (const item of page) yield CheckpointSchema.parse(item);
  }

  async *#query(accountId: string, prefix: string, attributes?: readonly string[]) {
    const pages = paginateQuery(
      { client: this.db, pageSize: 100 },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': accountPartition(accountId), ':prefix': prefix },
        ConsistentRead: true,
        ...(attributes
          ? {
              ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
            }
          : {}),
      },
    );
    for await (const page of pages) yield page.Items ?? [];
  }
}
