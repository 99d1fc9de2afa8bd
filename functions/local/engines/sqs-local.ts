/**
 * An SQS-compatible server (local-aws-sqs) used through the real SQS client: the queues of
 * shared/config/queues.ts with their dead-letter queues and redrive policies, at-least-once delivery,
 * visibility timeouts and delayed messages. Messages still queued at a clean stop are saved to a file
 * and sent again at the next start, so local state survives a restart.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { QUEUES, type QueueId } from '../../../shared/config/queues.ts';
import { LOCAL_RECEIVES_PER_DELIVERY } from '../queue-poller.ts';
import { freePort } from './net.ts';

export interface LocalQueue {
  readonly id: QueueId;
  readonly url: string;
  readonly dlqUrl: string;
  readonly arn: string;
}

export interface SqsLocal {
  readonly endpoint: string;
  readonly client: SQSClient;
  readonly queues: Readonly<Record<QueueId, LocalQueue>>;
  /** Visible messages per queue and dead-letter queue. */
  depth(id: QueueId, which?: 'queue' | 'dlq'): Promise<number>;
  /** Receives everything left in the queues (not the DLQs) and saves it for the next start. */
  saveBacklog(): Promise<number>;
  stop(): Promise<void>;
}

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
}

export async function startSqsLocal(
  options: { port?: number; backlogFile?: string; visibilityTimeoutSeconds?: number } = {},
): Promise<SqsLocal> {
  const port = options.port ?? (await freePort());
  const server: Server = await createSqsServer({ port, hostname: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localSqsClient(endpoint);
  const queues = {} as Record<QueueId, LocalQueue>;
  for (const q of QUEUES) {
    const dlq = await client.send(
      new CreateQueueCommand({ QueueName: `${q.id}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }),
    );
    const dlqUrl = dlq.QueueUrl ?? '';
    const dlqArn = (
      await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: q.id,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: q.maxReceiveCount * LOCAL_RECEIVES_PER_DELIVERY,
          }),
        },
      }),
    );
    const url = created.QueueUrl ?? '';
    const arn =
      (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn ?? '';
    queues[q.id] = { id: q.id, url, dlqUrl, arn };
  }

  if (options.backlogFile && existsSync(options.backlogFile)) {
    const backlog = JSON.parse(readFileSync(options.backlogFile, 'utf8')) as {
      queue: QueueId;
      body: string;
    }[];
    for (const message of backlog) {
      const queue = queues[message.queue];
      if (queue)
        await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: message.body }));
    }
    rmSync(options.backlogFile);
  }

  const depth = async (id: QueueId, which: 'queue' | 'dlq' = 'queue') => {
    const queue = queues[id];
    const answer = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: which === 'queue' ? queue.url : queue.dlqUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = answer.Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  };

  return {
    endpoint,
    client,
    queues,
    depth,
    saveBacklog: async () => {
      if (!options.backlogFile) return 0;
      const saved: { queue: QueueId; body: string }[] = [];
      for (const queue of Object.values(queues)) {
        for (;;) {
          const answer = await client.send(
            new ReceiveMessageCommand({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0,
              VisibilityTimeout: 3600,
            }),
          );
          const messages = answer.Messages ?? [];
          if (messages.length === 0) break;
          for (const m of messages) saved.push({ queue: queue.id, body: m.Body ?? '' });
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
      }
      if (saved.length > 0) {
        mkdirSync(dirname(options.backlogFile), { recursive: true });
        writeFileSync(options.backlogFile, JSON.stringify(saved));
      }
      return saved.length;
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
