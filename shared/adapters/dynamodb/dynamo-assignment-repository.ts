/**
 * `AssignmentRepository` on the assignments table. One partition per account
 * (`ACCOUNT#<id>`/`A#<adamId>#<pp>#<D|U>#<subject>`), so a sync reads an account's holdings in one
 * query and an asset's with a prefix. gsi1 finds a subject's holdings (a device across the
 * organisation's accounts); gsi2, sparse, finds the assignments waiting for one Apple event.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AssignmentRepository } from '../../application/ports/assignment-repository.ts';
import type { PricingParam } from '../../domain/asset.ts';
import {
  type AssignmentRecord,
  AssignmentRecordSchema,
  type AssignmentState,
  IN_FLIGHT,
  type SubjectType,
} from '../../domain/assignment.ts';
import { batchGet, batchWrite, queryAll } from './batch.ts';

const subjectPart = (type: SubjectType, id: string) => `${type === 'device' ? 'D' : 'U'}#${id}`;
const key = (accountId: string, adamId: string, pp: string, type: SubjectType, id: string) => ({
  pk: `ACCOUNT#${accountId}`,
  sk: `A#${adamId}#${pp}#${subjectPart(type, id)}`,
});
/** Devices are organisation-wide; users belong to one account. */
const subjectIndex = (r: {
  orgId: string;
  accountId: string;
  subjectType: SubjectType;
  subjectId: string;
}) =>
  r.subjectType === 'device'
    ? `SUBJECT#${r.orgId}#D#${r.subjectId}`
    : `SUBJECT#${r.accountId}#U#${r.subjectId}`;

/** The item of a record (also written by the settlement store). */
export function toItem(record: AssignmentRecord): Record<string, unknown> {
  const parsed = AssignmentRecordSchema.parse(record);
  return {
    ...key(record.accountId, record.adamId, record.pricingParam, record.subjectType, record.subjectId),
    ...parsed,
    gsi1pk: subjectIndex(record),
    gsi1sk: `${record.accountId}#${record.adamId}#${record.pricingParam}`,
    ...(record.eventId && (record.state === 'pending-grant' || record.state === 'pending-revoke')
      ? {
          gsi2pk: `EVENT#${record.eventId}`,
          gsi2sk: `${record.accountId}#${record.adamId}#${record.pricingParam}#${subjectPart(record.subjectType, record.subjectId)}`,
        }
      : {}),
    // Every record in flight, by account and the time it last moved: a sweep finds the stalled ones.
    ...(IN_FLIGHT.has(record.state)
      ? {
          gsi3pk: `INFLIGHT#${record.accountId}`,
          gsi3sk: `${record.updatedAt}#${record.adamId}#${record.pricingParam}#${subjectPart(record.subjectType, record.subjectId)}`,
        }
      : {}),
  };
}

const parse = (items: Record<string, unknown>[]) => items.map((item) => AssignmentRecordSchema.parse(item));

export class DynamoAssignmentRepository implements AssignmentRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async listByAccount(accountId: string): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.#db, {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}` },
      }),
    );
  }

  async listByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
  ): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.#db, {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :asset)',
        ExpressionAttributeValues: {
          ':pk': `ACCOUNT#${accountId}`,
          ':asset': `A#${adamId}#${pricingParam}#`,
        },
        ConsistentRead: true,
      }),
    );
  }

  async listBySubject(
    orgId: string,
    accountId: string | undefined,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.#db, {
        TableName: this.#table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: {
          ':pk': subjectIndex({ orgId, accountId: accountId ?? '', subjectType, subjectId }),
        },
      }),
    );
  }

  async listInFlightSince(accountId: string, before: string): Promise<AssignmentRecord[]> {
    const items = await queryAll(this.#db, {
      TableName: this.#table,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
      ExpressionAttributeValues: { ':pk': `INFLIGHT#${accountId}`, ':before': before },
    });
    // The index is eventually consistent: what it lists is checked on the record itself.
    const records = await this.getMany(accountId, parse(items));
    return records.filter((r) => IN_FLIGHT.has(r.state) && r.updatedAt < before);
  }

  async listByEvent(eventId: string): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.#db, {
        TableName: this.#table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `EVENT#${eventId}` },
      }),
    );
  }

  async get(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord | undefined> {
    const answer = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: key(accountId, adamId, pricingParam, subjectType, subjectId),
        ConsistentRead: true,
      }),
    );
    return answer.Item ? AssignmentRecordSchema.parse(answer.Item) : undefined;
  }

  async getMany(
    accountId: string,
    keys: readonly {
      adamId: string;
      pricingParam: PricingParam;
      subjectType: SubjectType;
      subjectId: string;
    }[],
  ): Promise<AssignmentRecord[]> {
    const unique = new Map(
      keys.map((k) => [`${k.adamId}#${k.pricingParam}#${subjectPart(k.subjectType, k.subjectId)}`, k]),
    );
    const items = await batchGet(
      this.#db,
      this.#table,
      [...unique.values()].map((k) => key(accountId, k.adamId, k.pricingParam, k.subjectType, k.subjectId)),
    );
    return parse(items);
  }

  async putMany(records: readonly AssignmentRecord[]): Promise<void> {
    await batchWrite(
      this.#db,
      this.#table,
      records.map((record) => ({ PutRequest: { Item: toItem(record) } })),
    );
  }

  async claim(record: AssignmentRecord, claimId: string, now: string): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key(
            record.accountId,
            record.adamId,
            record.pricingParam,
            record.subjectType,
            record.subjectId,
          ),
          UpdateExpression: 'SET eventId = :claim, updatedAt = :now',
          ConditionExpression:
            record.eventId === undefined
              ? '#state = :state AND (attribute_not_exists(eventId) OR eventId = :claim)'
              : '#state = :state AND (eventId = :seen OR eventId = :claim)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':claim': claimId,
            ':state': record.state,
            ':now': now,
            ...(record.eventId === undefined ? {} : { ':seen': record.eventId }),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async transition(next: AssignmentRecord, from: readonly (AssignmentState | 'absent')[]): Promise<boolean> {
    const states = from.filter((s): s is AssignmentState => s !== 'absent');
    const conditions = [
      ...(from.includes('absent') ? ['attribute_not_exists(pk)'] : []),
      ...(states.length > 0 ? [`#state IN (${states.map((_, i) => `:s${i}`).join(', ')})`] : []),
    ];
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: toItem(next),
          ConditionExpression: conditions.join(' OR '),
          ...(states.length > 0
            ? {
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: Object.fromEntries(states.map((s, i) => [`:s${i}`, s])),
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
