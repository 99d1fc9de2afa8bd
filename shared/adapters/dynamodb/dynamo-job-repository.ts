/**
 * `JobRepository` on the core table: the job at `JOB#<id>`/`JOB` (listed newest first per organisation
 * through gsi1 and, when it is about an account, per account through gsi2), each failure at `JOB#<id>`/`FAILURE#<subject>` so a job may have any number of them. Counts
 * are added with atomic updates, and the state moves on in a conditional write.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type BatchTaken,
  type JobListQuery,
  type JobProgress,
  type JobRepository,
  type JobScope,
  MAX_JOB_BATCHES,
} from '../../application/ports/job-repository.ts';
import type { AssetKey } from '../../application/ports/vpp-schemas.ts';
import {
  FINAL_JOB_STATES,
  type Job,
  type JobBatch,
  JobBatchSchema,
  type JobFailure,
  JobFailureSchema,
  JobSchema,
  type JobState,
  stateFromCounts,
} from '../../domain/job.ts';
import { batchWrite, queryAll } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import {
  accountJobsIndex,
  jobPartition,
  jobPosition,
  keys,
  openBatchesIndex,
  openBatchPosition,
  orgJobsIndex,
  sortPrefix,
} from './keys.ts';
import { ClockedDynamoTable } from './table.ts';

/** The condition that a job has not ended (its `#state` is none of the final states). */
const NOT_ENDED = (() => {
  const finals = [...FINAL_JOB_STATES];
  return {
    expression: `NOT #state IN (${finals.map((_, i) => `:f${i}`).join(', ')})`,
    values: Object.fromEntries(finals.map((state, i) => [`:f${i}`, state])),
  };
})();

const JobItemSchema = JobSchema.omit({ failures: true });
const FailureItemSchema = z.object({ failure: JobFailureSchema });

/** How many jobs one filtered list read may go through before it answers a short page (with a cursor). */
const MAX_READ = 2_000;

/** Counts are added before the state moves on (a settlement): a job whose writer died in between has the state its counts give. */
const withCurrentState = <J extends Omit<Job, 'failures'>>(stored: J): J =>
  stored.completed + stored.failed > 0 ? { ...stored, state: stateFromCounts(stored) } : stored;

interface IndexItem {
  readonly position: string;
  readonly item: Record<string, unknown>;
}

export class DynamoJobRepository extends ClockedDynamoTable implements JobRepository {
  async create(job: Job): Promise<void> {
    const { failures } = job;
    await this.db.send(new PutCommand(this.#jobPut(job)));
    if (failures.length > 0) await this.#putFailures(job.id, failures);
  }

  async createWithBatches(job: Job, batches: readonly JobBatch[]): Promise<void> {
    if (batches.length > MAX_JOB_BATCHES)
      throw new Error(`A job has at most ${MAX_JOB_BATCHES} batches (${batches.length} given).`);
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: this.#jobPut(job) },
          ...batches.map((batch) => ({
            Put: {
              TableName: this.table,
              Item: {
                ...keys.jobBatch(job.id, batch.index),
                ...batch,
                // Listed among the account's open batches until it closes.
                ...(batch.sentAt === undefined
                  ? { gsi2pk: openBatchesIndex(batch.accountId), gsi2sk: openBatchPosition(batch) }
                  : {}),
              },
            },
          })),
        ],
      }),
    );
    if (job.failures.length > 0) await this.#putFailures(job.id, job.failures);
  }

  async batches(jobId: string): Promise<JobBatch[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
      ExpressionAttributeValues: { ':pk': jobPartition(jobId), ':b': sortPrefix.jobBatches },
      ConsistentRead: true,
    });
    return items.map((item) => JobBatchSchema.parse(item));
  }

  async openBatches(accountId: string, asset?: AssetKey): Promise<JobBatch[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: asset ? 'gsi2pk = :pk AND begins_with(gsi2sk, :asset)' : 'gsi2pk = :pk',
      ExpressionAttributeValues: {
        ':pk': openBatchesIndex(accountId),
        ...(asset ? { ':asset': `${asset.adamId}#${asset.pricingParam}#` } : {}),
      },
    });
    // The index may lag a close by a moment: a batch read closed is not open.
    return items.map((item) => JobBatchSchema.parse(item)).filter((b) => b.sentAt === undefined);
  }

  async takeBatch(
    jobId: string,
    index: number,
    claim: { readonly id: string; readonly at: string },
    options: { readonly takeOverBefore?: string | undefined } = {},
  ): Promise<BatchTaken> {
    const takeOver = options.takeOverBefore === undefined ? '' : ' OR claim.#at < :before';
    try {
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.jobBatch(jobId, index),
          UpdateExpression: 'SET claim = :claim',
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(sentAt) AND (attribute_not_exists(claim) OR claim.id = :id${takeOver})`,
          ...(options.takeOverBefore === undefined ? {} : { ExpressionAttributeNames: { '#at': 'at' } }),
          ExpressionAttributeValues: {
            ':claim': { id: claim.id, at: claim.at },
            ':id': claim.id,
            ...(options.takeOverBefore === undefined ? {} : { ':before': options.takeOverBefore }),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { taken: true, batch: JobBatchSchema.parse(answer.Attributes) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const batch = await this.getItem(keys.jobBatch(jobId, index), JobBatchSchema);
      return { taken: false, batch };
    }
  }

  async get(jobId: string, options: { maxFailures?: number } = {}): Promise<Job | undefined> {
    const stored = await this.getItem(keys.job(jobId), JobItemSchema);
    if (!stored) return undefined;
    const job = withCurrentState(stored);
    if (options.maxFailures === 0) return { ...job, failures: [] };
    const failures = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':pk': jobPartition(jobId), ':f': sortPrefix.jobFailures },
        Limit: options.maxFailures ?? 1000,
      }),
    );
    return { ...job, failures: (failures.Items ?? []).map((item) => FailureItemSchema.parse(item).failure) };
  }

  async list(scope: JobScope, query: JobListQuery): Promise<{ items: Job[]; nextCursor?: string }> {
    const filtered = query.type !== undefined || query.state !== undefined;
    const chunk = Math.min(1000, filtered ? Math.max(query.limit + 1, 100) : query.limit + 1);
    // One list per index partition (the organisation's, or each account's), all in the same order:
    // merged newest first, the position of the last job gone through is where every list goes on.
    const lists =
      scope.accountIds === undefined
        ? [this.#indexList('gsi1', orgJobsIndex(scope.orgId), query.cursor, chunk)]
        : [...new Set(scope.accountIds)].map((id) =>
            this.#indexList('gsi2', accountJobsIndex(id), query.cursor, chunk),
          );
    const items: Job[] = [];
    let position: string | undefined;
    for (let read = 0; items.length < query.limit && read < Math.max(query.limit, MAX_READ); read++) {
      let newest: { list: (typeof lists)[number]; head: IndexItem } | undefined;
      for (const list of lists) {
        const head = await list.peek();
        if (head && (!newest || head.position > newest.head.position)) newest = { list, head };
      }
      if (!newest) return { items };
      newest.list.take();
      position = newest.head.position;
      const job = withCurrentState(JobItemSchema.parse(newest.head.item));
      if (job.orgId !== scope.orgId) continue;
      if (query.type !== undefined && job.type !== query.type) continue;
      if (query.state !== undefined && job.state !== query.state) continue;
      items.push({ ...job, failures: [] });
    }
    let more = false;
    for (const list of lists) if (await list.peek()) more = true;
    return { items, ...(more && position ? { nextCursor: position } : {}) };
  }

  async awaitEvent(jobId: string, wait: { eventId: string; nextCheckAt: string }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.job(jobId),
          UpdateExpression: 'SET awaitingEvent = :wait, updatedAt = :now',
          ConditionExpression: `attribute_exists(pk) AND ${NOT_ENDED.expression}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':wait': { eventId: wait.eventId, nextCheckAt: wait.nextCheckAt },
            ':now': this.clock.now().toISOString(),
            ...NOT_ENDED.values,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /** One index partition read newest first, a query of `chunk` items at a time, from before `before`. */
  #indexList(index: 'gsi1' | 'gsi2', pk: string, before: string | undefined, chunk: number) {
    const buffer: IndexItem[] = [];
    let start: Record<string, unknown> | undefined;
    let done = false;
    return {
      peek: async (): Promise<IndexItem | undefined> => {
        while (buffer.length === 0 && !done) {
          const answer = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: index,
              KeyConditionExpression: before
                ? `${index}pk = :pk AND ${index}sk < :before`
                : `${index}pk = :pk`,
              ExpressionAttributeValues: { ':pk': pk, ...(before ? { ':before': before } : {}) },
              ScanIndexForward: false,
              Limit: chunk,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of answer.Items ?? []) buffer.push({ position: String(item[`${index}sk`]), item });
          start = answer.LastEvaluatedKey;
          done = start === undefined;
        }
        return buffer[0];
      },
      take: (): void => {
        buffer.shift();
      },
    };
  }

  async start(jobId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.job(jobId),
          UpdateExpression: 'SET #state = :running, updatedAt = :now',
          ConditionExpression: '#state = :queued',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':queued': 'queued',
            ':now': this.clock.now().toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async recordProgress(jobId: string, progress: JobProgress): Promise<Job> {
    const failures = progress.failures ?? [];
    if (failures.length > 0) await this.#putFailures(jobId, failures);
    const now = this.clock.now().toISOString();
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.job(jobId),
        UpdateExpression: 'ADD completed :c, failed :f, requested :r SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':c': progress.completed ?? 0,
          ':f': failures.length,
          ':r': progress.addRequested ?? 0,
          ':now': now,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const job = JobItemSchema.parse(answer.Attributes);
    const next = stateFromCounts(job);
    if (next !== job.state) await this.#moveState(jobId, next, now);
    return { ...job, state: next, failures: [] };
  }

  async putFailures(jobId: string, failures: readonly JobFailure[]): Promise<void> {
    if (failures.length > 0) await this.#putFailures(jobId, failures);
  }

  async moveOn(jobId: string): Promise<boolean> {
    const job = await this.getItem(keys.job(jobId), JobItemSchema);
    if (!job) return false;
    const next = stateFromCounts(job);
    if (next === job.state) return false;
    await this.#moveState(jobId, next, this.clock.now().toISOString());
    return FINAL_JOB_STATES.has(next);
  }

  async finish(jobId: string, state: JobState, summary?: Record<string, unknown>): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.job(jobId),
        UpdateExpression: `SET #state = :state, updatedAt = :now${summary ? ', summary = :summary' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': state,
          ':now': this.clock.now().toISOString(),
          ...(summary ? { ':summary': summary } : {}),
        },
      }),
    );
  }

  async setSummary(jobId: string, summary: Record<string, unknown>): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.job(jobId),
        UpdateExpression: 'SET summary = :summary, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':summary': summary, ':now': this.clock.now().toISOString() },
      }),
    );
  }

  async delete(jobId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.job(jobId) }));
  }

  #jobPut(job: Job) {
    const { failures: _, ...item } = job;
    return {
      TableName: this.table,
      Item: {
        ...keys.job(job.id),
        ...item,
        gsi1pk: orgJobsIndex(job.orgId),
        gsi1sk: jobPosition(job),
        ...(job.accountId ? { gsi2pk: accountJobsIndex(job.accountId), gsi2sk: jobPosition(job) } : {}),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  /** Moves the state unless another writer already ended the job. */
  async #moveState(jobId: string, to: JobState, now: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.job(jobId),
          UpdateExpression: 'SET #state = :to, updatedAt = :now',
          ConditionExpression: NOT_ENDED.expression,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':to': to, ':now': now, ...NOT_ENDED.values },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async #putFailures(jobId: string, failures: readonly z.infer<typeof JobFailureSchema>[]): Promise<void> {
    // One item per subject: a repeated failure of the same subject replaces the first.
    const unique = new Map(failures.map((f) => [f.subject, f]));
    await batchWrite(
      this.db,
      this.table,
      [...unique.values()].map((failure) => ({
        PutRequest: { Item: { ...keys.jobFailure(jobId, failure.subject), failure } },
      })),
    );
  }
}
