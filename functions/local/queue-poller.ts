/**
 * Local mode's SQS event source mapping: receives batches from a queue, calls the worker handler with
 * the same `SQSEvent` Lambda would get, deletes the records that succeeded and leaves the ones named
 * in `batchItemFailures` (or all, if the handler throws) to come back after the visibility timeout
 * and, after `maxReceiveCount` deliveries, to move to the dead-letter queue.
 *
 * As Lambda does, a worker has the function's timeout (`timeoutSeconds`): its context's
 * `getRemainingTimeInMillis` counts down to it, and a worker still running then has failed its whole
 * batch (Lambda's timeout; the process cannot stop it, but its answer is no longer taken). The batch is
 * received invisible for that long, so its messages do not come back while it runs; a failed record is then
 * made visible again after the queue's (short, in tests) visibility timeout. local-aws-sqs counts that
 * one visibility change as a receive too, so every failed delivery counts twice on the local queue:
 * its redrive policy allows twice the manifest's `maxReceiveCount` (`LOCAL_RECEIVES_PER_DELIVERY`)
 * and the handler is given the delivery's number, as SQS would count it.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

/** Receives the local queue counts per failed delivery: the receive, and the visibility change after it. */
export const LOCAL_RECEIVES_PER_DELIVERY = 2;

type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly load: () => Promise<Worker>;
  readonly functionName: string;
  readonly idleMs?: number;
  /** The queue's visibility timeout: how soon a failed record is delivered again. */
  readonly visibilitySeconds?: number;
  /**
   * The function's timeout: how long a worker may run on a batch (its context counts down to it, and a
   * worker past it has failed the batch), and how long a received batch stays invisible meanwhile.
   */
  readonly timeoutSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

export interface Poller {
  /** Stops receiving and waits for the batches in hand to finish. */
  stop(): Promise<void>;
}

function toRecord(message: Message, arn: string): SQSEvent['Records'][number] {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? randomUUID(),
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: String(
        Math.ceil(Number(attributes.ApproximateReceiveCount ?? '1') / LOCAL_RECEIVES_PER_DELIVERY),
      ),
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody:
      message.MD5OfBody ??
      createHash('md5')
        .update(message.Body ?? '')
        .digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'local',
  };
}

export function startPoller(options: PollerOptions): Poller {
  let running = true;
  const idle = options.idleMs ?? 150;
  const visibility = options.visibilitySeconds ?? 30;
  const timeout = options.timeoutSeconds ?? 900;

  const loop = async () => {
    while (running) {
      let messages: Message[] = [];
      try {
        const answer = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            VisibilityTimeout: Math.max(timeout, visibility),
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = answer.Messages ?? [];
      } catch (error) {
        if (running) options.onError?.(error);
      }
      if (messages.length === 0) {
        await new Promise((r) => setTimeout(r, idle));
        continue;
      }
      const records = messages.map((m) => toRecord(m, options.queueArn));
      let failed = new Set(records.map((r) => r.messageId));
      try {
        const worker = await options.load();
        const deadline = Date.now() + timeout * 1000;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${options.functionName} timed out after ${timeout} s`)),
            timeout * 1000,
          );
        });
        const response = await Promise.race([
          worker({ Records: records }, {
            awsRequestId: randomUUID(),
            functionName: options.functionName,
            getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
          } as Context),
          timedOut,
        ]).finally(() => clearTimeout(timer));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
      }
      const retry = records.filter((r) => failed.has(r.messageId));
      if (retry.length > 0) {
        await options.client
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: retry.map((r, i) => ({
                Id: String(i),
                ReceiptHandle: r.receiptHandle,
                VisibilityTimeout: visibility,
              })),
            }),
          )
          .catch((error) => options.onError?.(error));
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length > 0) {
        await options.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
