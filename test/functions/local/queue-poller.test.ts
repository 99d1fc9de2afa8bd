/**
 * Local mode's event source mapping on the local SQS server: a message is delivered again only after
 * its worker failed, however long the worker ran, and reaches the DLQ after exactly the manifest's
 * `maxReceiveCount` deliveries, each numbered as SQS numbers them.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SqsLocal, startSqsLocal } from '../../../functions/local/engines/sqs-local.ts';
import { type Poller, startPoller } from '../../../functions/local/queue-poller.ts';
import { QUEUES } from '../../../shared/config/queues.ts';

let sqs: SqsLocal;
const pollers: Poller[] = [];

beforeAll(async () => {
  sqs = await startSqsLocal({ visibilityTimeoutSeconds: 1 });
});
afterAll(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  await sqs.stop();
});

/** Resolves once `check` holds, looking every 50 ms (fails the test after 20 s). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > 20_000) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const receiveCounts = (event: SQSEvent) =>
  event.Records.map((r) => Number(r.attributes.ApproximateReceiveCount));

it('keeps a message hidden while a slow worker runs, and delivers it again once it failed', async () => {
  const queue = sqs.queues.grants;
  const deliveries: number[] = [];
  let running = 0;
  let overlapped = false;
  pollers.push(
    startPoller({
      client: sqs.client,
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      concurrency: 2,
      functionName: 'grants-worker',
      visibilitySeconds: 1,
      timeoutSeconds: 60,
      load: async () => async (event) => {
        deliveries.push(...receiveCounts(event));
        overlapped ||= running > 0;
        running++;
        try {
          // The first delivery runs for three visibility timeouts, then fails.
          if (deliveries.length === 1) {
            await new Promise((r) => setTimeout(r, 3_000));
            throw new Error('worker failed');
          }
          return undefined;
        } finally {
          running--;
        }
      },
    }),
  );
  await sqs.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"slow":true}' }));
  await until(async () => deliveries.length === 2 && (await sqs.depth('grants')) === 0);
  expect(deliveries).toEqual([1, 2]);
  expect(overlapped).toBe(false);
  expect(await sqs.depth('grants', 'dlq')).toBe(0);
});

it("moves a message that always fails to the DLQ after the manifest's maxReceiveCount deliveries", async () => {
  const queue = sqs.queues.jobs;
  const maxReceiveCount = QUEUES.find((q) => q.id === 'jobs')?.maxReceiveCount;
  const deliveries: number[] = [];
  pollers.push(
    startPoller({
      client: sqs.client,
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      concurrency: 1,
      functionName: 'jobs-worker',
      visibilitySeconds: 1,
      timeoutSeconds: 60,
      load: async () => async (event) => {
        deliveries.push(...receiveCounts(event));
        throw new Error('always fails');
      },
    }),
  );
  await sqs.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"bad":true}' }));
  await until(async () => (await sqs.depth('jobs', 'dlq')) === 1);
  expect(maxReceiveCount).toBe(3);
  expect(deliveries).toEqual([1, 2, 3]);
  expect(await sqs.depth('jobs')).toBe(0);
});

it("gives a worker the function's timeout, counting down, and fails its batch when it runs past it", async () => {
  const queue = sqs.queues.notifications;
  const deliveries: number[] = [];
  const remaining: number[] = [];
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  pollers.push(
    startPoller({
      client: sqs.client,
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      concurrency: 1,
      functionName: 'slow-worker',
      visibilitySeconds: 1,
      timeoutSeconds: 1,
      load: async () => async (event, context) => {
        deliveries.push(...receiveCounts(event));
        remaining.push(context.getRemainingTimeInMillis());
        // The first delivery outlives its timeout: it ends only once the message came back.
        if (deliveries.length === 1) await held;
        else release();
        return undefined;
      },
    }),
  );
  await sqs.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"slow":true}' }));
  await until(async () => deliveries.length === 2 && (await sqs.depth('notifications')) === 0);
  expect(deliveries).toEqual([1, 2]);
  for (const ms of remaining) {
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(1_000);
  }
});
