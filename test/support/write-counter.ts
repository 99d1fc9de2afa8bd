/**
 * Counts the items every table write touches, by watching the DynamoDB client the service uses:
 * Put/Update/Delete count one, batch and transaction writes count their items. Exact, unlike time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface WriteCounter {
  readonly total: () => number;
  readonly byCommand: () => Record<string, number>;
  readonly reads: () => number;
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

export function countWrites(client: DynamoDBDocumentClient): WriteCounter {
  let counts: Record<string, number> = {};
  let reads = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      const input = args.input as { RequestItems?: Record<string, unknown[]>; TransactItems?: unknown[] };
      if (WRITES.has(name)) {
        const items =
          name === 'BatchWriteItemCommand'
            ? Object.values(input.RequestItems ?? {}).reduce((n, list) => n + list.length, 0)
            : name === 'TransactWriteItemsCommand'
              ? (input.TransactItems?.length ?? 0)
              : 1;
        counts[name] = (counts[name] ?? 0) + items;
      } else if (READS.has(name)) reads++;
      return next(args);
    },
    { step: 'initialize', name: 'test-write-counter' },
  );
  return {
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    byCommand: () => ({ ...counts }),
    reads: () => reads,
    reset: () => {
      counts = {};
      reads = 0;
    },
  };
}
