/**
 * Counts the items every table write touches, by watching the DynamoDB client the service uses:
 * Put/Update/Delete count one, batch and transaction writes count their items. Exact, unlike time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SYNC_CHECKPOINT_PREFIX } from '../../shared/adapters/dynamodb/keys.ts';

export interface WriteCounter {
  readonly total: () => number;
  readonly byCommand: () => Record<string, number>;
  /** Of `total`, the items of transactions DynamoDB cancelled (a condition failed or another transaction held an item): sent, not written. */
  readonly cancelled: () => number;
  readonly reads: () => number;
  /** The reads and writes of the shared Apple rate slots (`RATE#…`): bookkeeping, left out of the rest. */
  readonly rateSlots: () => number;
  /** The sync checkpoints written (`CHECKPOINT#…` sort keys): bookkeeping, left out of the rest. */
  readonly checkpoints: () => number;
  /** The items written and the reads made, per table. */
  readonly byTable: () => Record<string, { writes: number; reads: number }>;
  reset(): void;
}

// The low-level command names: the document client's commands run as these.
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);

/** The tables a write command touches, one entry per item. */
function tablesOf(name: string, input: Record<string, any>): string[] {
  if (name === 'BatchWriteItemCommand')
    return Object.entries(input.RequestItems ?? {}).flatMap(([table, list]) =>
      (list as unknown[]).map(() => table),
    );
  if (name === 'TransactWriteItemsCommand')
    return (input.TransactItems ?? []).map(
      (item: Record<string, { TableName?: string }>) => Object.values(item)[0]?.TableName ?? '',
    );
  return [input.TableName ?? ''];
}

/** Whether a Get or Put touches an Apple rate slot (its key, in the document or the low-level form). */
function isRateSlot(input: { Item?: Record<string, unknown>; Key?: Record<string, unknown> }): boolean {
  const pk = (input.Item ?? input.Key)?.pk as string | { S?: string } | undefined;
  const text = typeof pk === 'string' ? pk : pk?.S;
  return text?.startsWith('RATE#') === true;
}

/** Whether a write puts a sync checkpoint (its sort key, in the document or the low-level form). */
function isCheckpoint(input: { Item?: Record<string, unknown> }): boolean {
  const sk = input.Item?.sk as string | { S?: string } | undefined;
  const text = typeof sk === 'string' ? sk : sk?.S;
  return text?.startsWith(SYNC_CHECKPOINT_PREFIX) === true;
}

/**
 * `ignoreTables`: writes to these tables are not counted (the idempotency table's in-progress record,
 * which Powertools writes before a request and deletes when the request is refused).
 */
export function countWrites(
  client: DynamoDBDocumentClient,
  options: { ignoreTables?: readonly string[] } = {},
): WriteCounter {
  const ignored = new Set(options.ignoreTables ?? []);
  let counts: Record<string, number> = {};
  let reads = 0;
  let cancelled = 0;
  let rateSlots = 0;
  let checkpoints = 0;
  let tables: Record<string, { writes: number; reads: number }> = {};
  const table = (name: string) => {
    tables[name] ??= { writes: 0, reads: 0 };
    return tables[name];
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      const input = args.input as { RequestItems?: Record<string, unknown[]>; TransactItems?: unknown[] };
      let written: string[] = [];
      if (isRateSlot(args.input as Parameters<typeof isRateSlot>[0])) {
        rateSlots++;
      } else if (
        name === 'PutItemCommand' &&
        isCheckpoint(args.input as { Item?: Record<string, unknown> })
      ) {
        checkpoints++;
      } else if (WRITES.has(name)) {
        written = tablesOf(name, input).filter((t) => !ignored.has(t));
        if (written.length > 0) counts[name] = (counts[name] ?? 0) + written.length;
        for (const t of written) table(t).writes++;
      } else if (READS.has(name)) {
        reads++;
        const read = input.RequestItems
          ? Object.keys(input.RequestItems)
          : [(input as { TableName?: string }).TableName ?? ''];
        for (const t of read) table(t).reads++;
      }
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') cancelled += written.length;
        throw error;
      }
    },
    { step: 'initialize', name: 'test-write-counter' },
  );
  return {
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    byCommand: () => ({ ...counts }),
    cancelled: () => cancelled,
    reads: () => reads,
    rateSlots: () => rateSlots,
    checkpoints: () => checkpoints,
    byTable: () => structuredClone(tables),
    reset: () => {
      counts = {};
      reads = 0;
      cancelled = 0;
      rateSlots = 0;
      checkpoints = 0;
      tables = {};
    },
  };
}
