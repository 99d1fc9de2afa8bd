/**
 * Local tables persist with DynamoDB Local's data: a table made by an older version without an index
 * this one needs is refused at start, saying how to start again.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { ensureTables } from '../../../functions/local/tables.ts';

describe('ensureTables', () => {
  it('refuses a table made by an older version that lacks an index, saying to reset', async () => {
    const client = new DynamoDBClient({
      endpoint: inject('dynamoEndpoint'),
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const prefix = `old${randomUUID().slice(0, 8)}-`;
    // The assignments table as it was: two indexes.
    const keys = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];
    await client.send(
      new CreateTableCommand({
        TableName: `${prefix}assignments`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [1, 2].map((n) => ({
          IndexName: `gsi${n}`,
          KeySchema: [
            { AttributeName: `gsi${n}pk`, KeyType: 'HASH' as const },
            { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    );
    await expect(ensureTables(client, prefix)).rejects.toThrow(
      `The local table ${prefix}assignments was made by an older version (it has no gsi3): run \`npm run reset\``,
    );
  });
});
