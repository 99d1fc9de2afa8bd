/**
 * Local tables persist with DynamoDB Local's data: a table made by an older version gets the indexes
 * it lacks, with the items it already holds.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { ensureTables } from '../../../functions/local/tables.ts';

describe('ensureTables', () => {
  it('adds the indexes a table made by an older version lacks, and they list its items', async () => {
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
    const db = DynamoDBDocumentClient.from(client);
    await db.send(
      new PutCommand({
        TableName: `${prefix}assignments`,
        Item: {
          pk: 'ACCOUNT#a',
          sk: 'A#1#STDQ#D#X',
          gsi3pk: 'INFLIGHT#a',
          gsi3sk: '2026-11-27T00:00:00.000Z#x',
        },
      }),
    );

    await ensureTables(client, prefix);
    const table = await client.send(new DescribeTableCommand({ TableName: `${prefix}assignments` }));
    expect((table.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
    ]);
    const inFlight = await db.send(
      new QueryCommand({
        TableName: `${prefix}assignments`,
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INFLIGHT#a' },
      }),
    );
    expect(inFlight.Items?.map((i) => i.sk)).toEqual(['A#1#STDQ#D#X']);
    // Run again: nothing left to add.
    await ensureTables(client, prefix);
  });
});
