/**
 * Opaque list cursors: DynamoDB's LastEvaluatedKey as base64url JSON. A cursor is only accepted for
 * the partition it came from, so a cursor made for one organisation can never page through another's.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.ts';

type Key = Record<string, unknown>;

export function encodeCursor(key: Key | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/**
 * Decodes a cursor and checks that `expect` (e.g. `{pk: 'ORG#x#AUDIT'}`) matches it, and that each
 * attribute of `within` begins with its prefix (a query of part of a partition).
 */
export function decodeCursor(
  cursor: string | undefined,
  expect: Key,
  within: Record<string, string> = {},
): Key | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number') &&
    Object.entries(expect).every(([name, value]) => (key as Key)[name] === value) &&
    Object.entries(within).every(([name, prefix]) => String((key as Key)[name]).startsWith(prefix));
  if (!valid)
    throw new ValidationError(
      'cursor.invalid',
      'The cursor is not valid for this list: start again without it.',
    );
  return key as Key;
}

/**
 * One page of a partition (or of the part of it whose sort keys begin with `prefix`), in key order,
 * from a cursor of that same partition and part, read consistently; with the cursor of the next.
 */
export async function queryPage(
  db: DynamoDBDocumentClient,
  table: string,
  where: { pk: string; prefix?: string },
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: Key[]; cursor: string | undefined }> {
  const { pk, prefix } = where;
  const answer = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, { pk }, prefix === undefined ? {} : { sk: prefix }),
      ConsistentRead: true,
    }),
  );
  return { items: answer.Items ?? [], cursor: encodeCursor(answer.LastEvaluatedKey) };
}
