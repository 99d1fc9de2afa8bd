/** `SyncStateRepository` on the core table: `ACCOUNT#<id>`/`SYNC`, one item per account. */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SyncState, SyncStateRepository } from '../../application/ports/sync-state-repository.ts';
import { keys } from './keys.ts';
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
  }
}
