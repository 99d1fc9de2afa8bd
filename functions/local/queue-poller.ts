/**
 * Local mode's SQS event source mapping: receives batches from a queue, calls the worker handler with
 * the same `SQSEvent` Lambda would get, deletes the records that succeeded and leaves the ones named
 * in `batchItemFailures` (or all, if the handler throws) to come back after the visibility timeout
 * and, after `maxReceiveCount` receives, to move to the dead-letter queue.
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
  /**
   * The queue's visibility timeout. While a batch runs, the poller keeps its messages invisible (as
   * Lambda's timeout, shorter than the visibility timeout, does in AWS): a message comes back only
   * when the worker failed or died, however short the local timeout is set for fast retries.
   */
  readonly visibilitySeconds?: number;
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
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
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

  const loop = async () => {
    while (running) {
      let messages: Message[] = [];
      try {
        const answer = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
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
      const visibility = options.visibilitySeconds ?? 30;
      const heartbeat = setInterval(
        () => {
          options.client
            .send(
              new ChangeMessageVisibilityBatchCommand({
                QueueUrl: options.queueUrl,
                Entries: records.map((r, i) => ({
                  Id: String(i),
                  ReceiptHandle: r.receiptHandle,
                  VisibilityTimeout: visibility,
                })),
              }),
            )
            .catch(() => undefined);
        },
        Math.max(200, (visibility * 1000) / 3),
      );
      try {
        const worker = await options.load();
        const response = await worker({ Records: records }, {
          awsRequestId: randomUUID(),
          functionName: options.functionName,
          getRemainingTimeInMillis: () => 60_000,
        } as Context);
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
      } finally {
        clearInterval(heartbeat);
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
