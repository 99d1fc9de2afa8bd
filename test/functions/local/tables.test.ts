/**
 * Local tables persist with DynamoDB Local's data: a table made by an older version without an index
 * this one needs gets it at start, and its data stays.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { ensureTables } from '../../../functions/local/tables.ts';

describe('ensureTables', () => {
  it('adds the index a table made by an older version lacks, keeping its data', async () => {
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
    const item = { pk: { S: 'kept' }, sk: { S: 'kept' } };
    await client.send(new PutItemCommand({ TableName: `${prefix}assignments`, Item: item }));
    await ensureTables(client, prefix);
    const described = await client.send(new DescribeTableCommand({ TableName: `${prefix}assignments` }));
    expect((described.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
    ]);
    const kept = await client.send(new GetItemCommand({ TableName: `${prefix}assignments`, Key: item }));
    expect(kept.Item).toEqual(item);
    // A second start finds nothing to add.
    await ensureTables(client, prefix);
  });
});
