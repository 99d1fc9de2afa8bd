/**
 * `SettlementStore` over three tables in one TransactWriteItems: a conditional put per record (from
 * the state and event id the settler read), an update per asset touched (the reservations given
 * back, as `DynamoAssetRepository.unreserve`, and the holders its moves add or take: `holderCount`)
 * and an ADD per job touched. A cancelled transaction names the items
 * whose condition failed: records moved by another settler are left out, an asset whose reservation
 * would go below zero is written with a reservation of zero (an absent one is left out), and the rest
 * is committed again. Items another transaction holds make it wait and try again.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../application/ports/clock.ts';
import {
  type BatchClosing,
  MAX_SETTLEMENT_MOVES,
  type SettlementMove,
  type SettlementStore,
} from '../../application/ports/settlement-store.ts';
import { holderCountChange } from '../../domain/assignment.ts';
import { unreserveUpdate } from './dynamo-asset-repository.ts';
import { toItem } from './dynamo-assignment-repository.ts';
import { isTransactionCancelled } from './errors.ts';
import { jobPartition, keys } from './keys.ts';

type Write = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
type Part =
  | { kind: 'record'; index: number }
  | { kind: 'asset'; asset: string }
  | { kind: 'job'; jobId: string };

export class DynamoSettlementStore implements SettlementStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: { readonly assignments: string; readonly assets: string; readonly core: string };
  readonly #clock: Clock;

  constructor(
    db: DynamoDBDocumentClient,
    tables: { assignments: string; assets: string; core: string },
    clock: Clock,
  ) {
    this.#db = db;
    this.#tables = tables;
    this.#clock = clock;
  }

  async closeBatch(closing: BatchClosing): Promise<boolean> {
    const { jobId, index, claimId, eventIds, refused, completed, unreserve } = closing;
    const given = refused + completed;
    const now = this.#clock.now().toISOString();
    let zero = false;
    let assetAbsent = false;
    let jobAbsent = false;
    for (let round = 0; round < 60; round++) {
      const writes: Write[] = [
        {
          Update: {
            TableName: this.#tables.core,
            Key: keys.jobBatch(jobId, index),
            UpdateExpression:
              'SET sentAt = :now, eventIds = :events, refused = :refused REMOVE gsi2pk, gsi2sk',
            ConditionExpression: 'attribute_not_exists(sentAt) AND claim.id = :claim',
            ExpressionAttributeValues: {
              ':now': now,
              ':events': eventIds,
              ':refused': refused,
              ':claim': claimId,
            },
          },
        },
      ];
      if (given > 0 && !jobAbsent)
        writes.push({
          Update: {
            TableName: this.#tables.core,
            Key: keys.job(jobId),
            UpdateExpression: 'ADD failed :f, completed :c SET updatedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':f': refused, ':c': completed, ':now': now },
          },
        });
      const jobAt = writes.length - 1;
      if (given > 0 && unreserve && !assetAbsent)
        writes.push({
          Update: unreserveUpdate(
            this.#tables.assets,
            keys.asset(unreserve.accountId, unreserve.adamId, unreserve.pricingParam),
            given,
            zero,
          ),
        });
      try {
        await this.#db.send(new TransactWriteCommand({ TransactItems: writes }));
        return true;
      } catch (error) {
        if (!isTransactionCancelled(error)) throw error;
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        const failed = (n: number) => reasons[n]?.Code === 'ConditionalCheckFailed';
        if (failed(0)) return false;
        if (jobAt > 0 && failed(jobAt)) jobAbsent = true;
        else if (writes.length > jobAt + 1 && failed(jobAt + 1)) {
          if (zero) assetAbsent = true;
          zero = true;
        } else await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round + 1, 10)));
      }
    }
    throw new Error('Closing the batch kept conflicting; try again.');
  }

  async commit(moves: readonly SettlementMove[]): Promise<boolean[]> {
    if (moves.length > MAX_SETTLEMENT_MOVES)
      throw new Error(`A settlement takes at most ${MAX_SETTLEMENT_MOVES} moves (${moves.length} given).`);
    let live = moves.map((_, index) => index);
    // Assets whose reservation is taken as zero (it would go below), and items that do not exist.
    const zeroed = new Set<string>();
    const absent = new Set<string>();
    for (let round = 0; live.length > 0; round++) {
      if (round >= MAX_SETTLEMENT_MOVES + 60) throw new Error('The settlement kept conflicting; try again.');
      const { parts, writes } = this.#transaction(moves, live, zeroed, absent);
      try {
        await this.#db.send(new TransactWriteCommand({ TransactItems: writes }));
        const landed = new Set(live);
        return moves.map((_, index) => landed.has(index));
      } catch (error) {
        if (!isTransactionCancelled(error)) throw error;
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        let failedConditions = 0;
        let busy = false;
        const dropped = new Set<number>();
        reasons.forEach((reason, n) => {
          const part = parts[n];
          if (!part || !reason.Code || reason.Code === 'None') return;
          if (reason.Code !== 'ConditionalCheckFailed') {
            busy = true;
            return;
          }
          failedConditions++;
          if (part.kind === 'record') dropped.add(part.index);
          else if (part.kind === 'job') absent.add(jobPartition(part.jobId));
          else if (zeroed.has(part.asset)) absent.add(part.asset);
          else zeroed.add(part.asset);
        });
        if (failedConditions === 0 && !busy) throw error;
        live = live.filter((index) => !dropped.has(index));
        if (failedConditions === 0)
          await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round + 1, 10)));
      }
    }
    return moves.map(() => false);
  }

  #transaction(
    moves: readonly SettlementMove[],
    live: readonly number[],
    zeroed: ReadonlySet<string>,
    absent: ReadonlySet<string>,
  ): { parts: Part[]; writes: Write[] } {
    const parts: Part[] = [];
    const writes: Write[] = [];
    const assets = new Map<
      string,
      { key: ReturnType<typeof keys.asset>; unreserve: number; holders: number }
    >();
    const jobs = new Map<string, { completed: number; failed: number }>();
    for (const index of live) {
      const { record, next, asset, job } = moves[index] as SettlementMove;
      parts.push({ kind: 'record', index });
      writes.push({
        Put: {
          TableName: this.#tables.assignments,
          Item: toItem(next),
          ConditionExpression:
            record.eventId === undefined
              ? '#state = :state AND attribute_not_exists(eventId)'
              : '#state = :state AND eventId = :event',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':state': record.state,
            ...(record.eventId === undefined ? {} : { ':event': record.eventId }),
          },
        },
      });
      const k = `${record.accountId}|${record.adamId}|${record.pricingParam}`;
      const holders = holderCountChange(record.state, next.state);
      if (asset || holders !== 0) {
        const entry = assets.get(k) ?? {
          key: keys.asset(record.accountId, record.adamId, record.pricingParam),
          unreserve: 0,
          holders: 0,
        };
        // A grant done or refused gives back its reservation; Apple's counts are re-read, not moved.
        if (asset) entry.unreserve++;
        entry.holders += holders;
        assets.set(k, entry);
      }
      if (record.jobId) {
        const entry = jobs.get(record.jobId) ?? { completed: 0, failed: 0 };
        entry[job]++;
        jobs.set(record.jobId, entry);
      }
    }
    for (const [k, { key, unreserve, holders }] of assets) {
      if (absent.has(k) || (unreserve === 0 && holders === 0)) continue;
      parts.push({ kind: 'asset', asset: k });
      writes.push({
        Update: unreserveUpdate(this.#tables.assets, key, unreserve, zeroed.has(k), holders),
      });
    }
    const now = this.#clock.now().toISOString();
    for (const [jobId, { completed, failed }] of jobs) {
      if (absent.has(jobPartition(jobId))) continue;
      parts.push({ kind: 'job', jobId });
      writes.push({
        Update: {
          TableName: this.#tables.core,
          Key: keys.job(jobId),
          UpdateExpression: 'ADD completed :c, failed :f SET updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':c': completed, ':f': failed, ':now': now },
        },
      });
    }
    return { parts, writes };
  }
}
