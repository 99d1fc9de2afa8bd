/**
 * `JobRepository` on the core table: the job at `JOB#<id>`/`JOB` (listed per organisation through
 * gsi1), each failure at `JOB#<id>`/`FAILURE#<subject>` so a job may have any number of them. Counts
 * are added with atomic updates, and the state moves on in a conditional write.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { JobProgress, JobRepository } from '../../application/ports/job-repository.ts';
import {
  FINAL_JOB_STATES,
  type Job,
  type JobFailure,
  JobFailureSchema,
  JobSchema,
  type JobState,
  stateFromCounts,
} from '../../domain/job.ts';
import { batchWrite } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { jobPartition, keys, sortPrefix } from './keys.ts';
import { ClockedDynamoTable } from './table.ts';

const JobItemSchema = JobSchema.omit({ failures: true });
const FailureItemSchema = z.object({ failure: JobFailureSchema });

export class DynamoJobRepository extends ClockedDynamoTable implements JobRepository {
  async create(job: Job): Promise<void> {
    const { failures, ...item } = job;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.job(job.id),
          ...item,
          gsi1pk: `ORG#${job.orgId}#JOBS`,
          gsi1sk: `${job.createdAt}#${job.id}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    if (failures.length > 0) await this.#putFailures(job.id, failures);
  }

  async get(jobId: string, options: { maxFailures?: number } = {}): Promise<Job | undefined> {
    const stored = await this.getItem(keys.job(jobId), JobItemSchema);
    if (!stored) return undefined;
    // Counts are added before the state moves on (a settlement): a job whose writer died in between
    // has the state its counts give.
    const job = stored.completed + stored.failed > 0 ? { ...stored, state: stateFromCounts(stored) } : stored;
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

  /** Moves the state unless another writer already ended the job. */
  async #moveState(jobId: string, to: JobState, now: string): Promise<void> {
    const finals = [...FINAL_JOB_STATES];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.job(jobId),
          UpdateExpression: 'SET #state = :to, updatedAt = :now',
          ConditionExpression: `NOT #state IN (${finals.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':to': to,
            ':now': now,
            ...Object.fromEntries(finals.map((s, i) => [`:f${i}`, s])),
          },
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
