/**
 * Creates the tables of shared/config/tables.ts in DynamoDB Local (once; they persist with its data),
 * and refuses, saying what to do, a table made by an older version that lacks an index.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition, type TableId } from '../../shared/config/tables.ts';

export const localTableName = (prefix: string, id: TableId): string => `${prefix}${id}`;

export async function ensureTables(client: DynamoDBClient, prefix: string): Promise<Record<TableId, string>> {
  const names = {} as Record<TableId, string>;
  for (const table of TABLES) {
    const name = localTableName(prefix, table.id);
    names[table.id] = name;
    const attributes = new Set([table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])]);
    for (const index of table.indexes) {
      attributes.add(index.partitionKey);
      attributes.add(index.sortKey);
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: table.partitionKey, KeyType: 'HASH' },
            ...(table.sortKey ? [{ AttributeName: table.sortKey, KeyType: 'RANGE' as const }] : []),
          ],
          ...(table.indexes.length > 0
            ? {
                GlobalSecondaryIndexes: table.indexes.map((index) => ({
                  IndexName: index.name,
                  KeySchema: [
                    { AttributeName: index.partitionKey, KeyType: 'HASH' },
                    { AttributeName: index.sortKey, KeyType: 'RANGE' },
                  ],
                  Projection: { ProjectionType: 'ALL' },
                })),
              }
            : {}),
        }),
      );
      await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
      if (table.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      await checkIndexes(client, name, table);
    }
  }
  return names;
}

/** A table made by an older version without an index this one needs cannot be used: say how to start again. */
async function checkIndexes(client: DynamoDBClient, name: string, table: TableDefinition) {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = table.indexes.filter((i) => !present.has(i.name)).map((i) => i.name);
  if (missing.length > 0)
    throw new Error(
      `The local table ${name} was made by an older version (it has no ${missing.join(', ')}): ` +
        'run `npm run reset` to start again with empty local data.',
    );
}
