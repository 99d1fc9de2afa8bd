/** `MessageQueue` on Amazon SQS: JSON bodies, batches of ten, optional delay. */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage, QueueName } from '../../application/messages.ts';
import { QUEUE_MESSAGES } from '../../application/messages.ts';
import type { MessageQueue, SendOptions } from '../../application/ports/message-queue.ts';

export class SqsMessageQueue implements MessageQueue {
  readonly #client: SQSClient;
  readonly #urls: Readonly<Partial<Record<QueueName, string>>>;

  constructor(client: SQSClient, urls: Readonly<Partial<Record<QueueName, string>>>) {
    this.#client = client;
    this.#urls = urls;
  }

  #url(queue: QueueName): string {
    const url = this.#urls[queue];
    if (!url) throw new Error(`This function may not send to the ${queue} queue (no URL configured).`);
    return url;
  }

  async send<Q extends QueueName>(
    queue: Q,
    message: QueueMessage<Q>,
    options: SendOptions = {},
  ): Promise<void> {
    const body = QUEUE_MESSAGES[queue].parse(message);
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#url(queue),
        MessageBody: JSON.stringify(body),
        ...(options.delaySeconds ? { DelaySeconds: Math.min(900, Math.ceil(options.delaySeconds)) } : {}),
      }),
    );
  }

  async sendMany<Q extends QueueName>(
    queue: Q,
    messages: readonly QueueMessage<Q>[],
    options: SendOptions = {},
  ): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((message, n) => ({
        Id: String(n),
        MessageBody: JSON.stringify(QUEUE_MESSAGES[queue].parse(message)),
        ...(options.delaySeconds ? { DelaySeconds: Math.min(900, Math.ceil(options.delaySeconds)) } : {}),
      }));
      const answer = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#url(queue), Entries: entries }),
      );
      if (answer.Failed && answer.Failed.length > 0) {
        throw new Error(
          `SQS refused ${answer.Failed.length} of ${entries.length} messages for the ${queue} queue.`,
        );
      }
    }
  }
}
