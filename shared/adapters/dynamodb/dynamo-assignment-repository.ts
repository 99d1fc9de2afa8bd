/**
 * `AssignmentRepository` on the assignments table. One partition per account
 * (`ACCOUNT#<id>`/`A#<adamId>#<pp>#<D|U>#<subject>`), so a sync reads an account's holdings in one
 * query and an asset's with a prefix. gsi1 finds a subject's holdings (a device across the
 * organisation's accounts); gsi2, sparse, finds the assignments waiting for one Apple event.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../application/concurrency.ts';
import type {
  AssignmentKey,
  AssignmentMove,
  AssignmentPage,
  AssignmentRepository,
} from '../../application/ports/assignment-repository.ts';
import type { PricingParam } from '../../domain/asset.ts';
import {
  type AssignmentRecord,
  AssignmentRecordSchema,
  type AssignmentState,
  IN_FLIGHT,
  type SubjectType,
  subjectKey,
} from '../../domain/assignment.ts';
import { batchGet, batchWrite, queryAll } from './batch.ts';
import { queryPage } from './cursor.ts';
import { isConditionFailed, isTransactionCancelled } from './errors.ts';
import { accountPartition, keys, sortPrefix } from './keys.ts';
import { DynamoTable } from './table.ts';

/** DynamoDB's limit of items in one transaction. */
const TRANSACTION_ITEMS = 100;
/** Transactions in flight at once (more gained nothing on DynamoDB Local: it serialises them). */
const TRANSACTIONS_IN_FLIGHT = 4;
/** A transaction retried this often (each time without the refused moves) before the error is thrown. */
const MAX_TRANSACTION_ATTEMPTS = 5;

/** A put of `next` on the condition that the record is in one of `from` (`absent`: not there). */
function conditionalPut(next: AssignmentRecord, from: readonly (AssignmentState | 'absent')[]) {
  const states = from.filter((s): s is AssignmentState => s !== 'absent');
  const conditions = [
    ...(from.includes('absent') ? ['attribute_not_exists(pk)'] : []),
    ...(states.length > 0 ? [`#state IN (${states.map((_, i) => `:s${i}`).join(', ')})`] : []),
  ];
  return {
    Item: toItem(next),
    ConditionExpression: conditions.join(' OR '),
    ...(states.length > 0
      ? {
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: Object.fromEntries(states.map((s, i) => [`:s${i}`, s])),
        }
      : {}),
  };
}

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
    ...keys.assignment(record.accountId, record),
    ...parsed,
    gsi1pk: subjectIndex(record),
    gsi1sk: `${record.accountId}#${record.adamId}#${record.pricingParam}`,
    ...(record.eventId && (record.state === 'pending-grant' || record.state === 'pending-revoke')
      ? {
          gsi2pk: `EVENT#${record.eventId}`,
          gsi2sk: `${record.accountId}#${record.adamId}#${record.pricingParam}#${subjectKey(record)}`,
        }
      : {}),
    // Every record in flight, by account and the time it last moved: a sweep finds the stalled ones.
    ...(IN_FLIGHT.has(record.state)
      ? {
          gsi3pk: `INFLIGHT#${record.accountId}`,
          gsi3sk: `${record.updatedAt}#${record.adamId}#${record.pricingParam}#${subjectKey(record)}`,
        }
      : {}),
  };
}

const parse = (items: Record<string, unknown>[]) => items.map((item) => AssignmentRecordSchema.parse(item));

export class DynamoAssignmentRepository extends DynamoTable implements AssignmentRepository {
  async listByAccount(accountId: string): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': accountPartition(accountId) },
      }),
    );
  }

  async pageByAccount(
    accountId: string,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage> {
    const page = await queryPage(this.db, this.table, { pk: accountPartition(accountId) }, options);
    return { items: parse(page.items), cursor: page.cursor };
  }

  async listByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
  ): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :asset)',
        ExpressionAttributeValues: {
          ':pk': accountPartition(accountId),
          ':asset': sortPrefix.assignmentsOf(adamId, pricingParam),
        },
        ConsistentRead: true,
      }),
    );
  }

  async pageByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage> {
    const page = await queryPage(
      this.db,
      this.table,
      {
        pk: accountPartition(accountId),
        prefix: sortPrefix.assignmentsOfType(adamId, pricingParam, subjectType),
      },
      options,
    );
    return { items: parse(page.items), cursor: page.cursor };
  }

  async listBySubject(
    orgId: string,
    accountId: string | undefined,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord[]> {
    return parse(
      await queryAll(this.db, {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: {
          ':pk': subjectIndex({ orgId, accountId: accountId ?? '', subjectType, subjectId }),
        },
      }),
    );
  }

  async listInFlightSince(accountId: string, before: string): Promise<AssignmentRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
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
      await queryAll(this.db, {
        TableName: this.table,
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
    return this.getItem(
      keys.assignment(accountId, { adamId, pricingParam, subjectType, subjectId }),
      AssignmentRecordSchema,
    );
  }

  async getMany(accountId: string, refs: readonly AssignmentKey[]): Promise<AssignmentRecord[]> {
    const unique = new Map(refs.map((k) => [`${k.adamId}#${k.pricingParam}#${subjectKey(k)}`, k]));
    const items = await batchGet(
      this.db,
      this.table,
      [...unique.values()].map((k) => keys.assignment(accountId, k)),
    );
    return parse(items);
  }

  async putMany(records: readonly AssignmentRecord[]): Promise<void> {
    await batchWrite(
      this.db,
      this.table,
      records.map((record) => ({ PutRequest: { Item: toItem(record) } })),
    );
  }

  async transition(next: AssignmentRecord, from: readonly (AssignmentState | 'absent')[]): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, ...conditionalPut(next, from) }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Up to 100 moves a transaction, so a request of 10,000 subjects is 100 round trips, not 10,000.
   * A transaction is all or nothing: when some of its conditions fail, the moves whose condition held
   * are written again without them (a conflict with another transaction is retried the same way).
   */
  async transitionMany(moves: readonly AssignmentMove[]): Promise<boolean[]> {
    const chunks: AssignmentMove[][] = [];
    for (let i = 0; i < moves.length; i += TRANSACTION_ITEMS)
      chunks.push(moves.slice(i, i + TRANSACTION_ITEMS));
    return (await mapLimit(chunks, TRANSACTIONS_IN_FLIGHT, (chunk) => this.#transact(chunk))).flat();
  }

  /** Up to 100 moves in transactions until each either moved or was refused. */
  async #transact(moves: readonly AssignmentMove[]): Promise<boolean[]> {
    const results = new Array<boolean>(moves.length).fill(false);
    let pending = moves.map((move, at) => ({ move, at }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: pending.map(({ move }) => ({
              Put: { TableName: this.table, ...conditionalPut(move.next, move.from) },
            })),
          }),
        );
        for (const { at } of pending) results[at] = true;
        pending = [];
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        if (!isTransactionCancelled(error) || !reasons || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        // Refused moves stay false; the others (None, or a conflict with another transaction) go again.
        pending = pending.filter((_, i) => reasons[i]?.Code !== 'ConditionalCheckFailed');
      }
    }
    return results;
  }
}
