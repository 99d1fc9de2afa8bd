/** A queue that records what was sent (validated as SQS's adapter validates it), and a mailer that keeps what it sent. */
import {
  type ParsedQueueMessage,
  QUEUE_MESSAGES,
  type QueueMessage,
  type QueueName,
} from '../../../shared/application/messages.ts';
import type { EmailMessage, Mailer } from '../../../shared/application/ports/mailer.ts';
import type { MessageQueue, SendOptions } from '../../../shared/application/ports/message-queue.ts';

export interface SentMessage<Q extends QueueName = QueueName> {
  readonly queue: Q;
  /** As a worker receives it (parsed by the queue's schema, defaults filled). */
  readonly message: ParsedQueueMessage<Q>;
  readonly delaySeconds?: number;
}

export class RecordingQueue implements MessageQueue {
  readonly sent: SentMessage[] = [];
  /** Set to make the next sends fail (a queue outage). */
  failWith: Error | undefined;

  async send<Q extends QueueName>(
    queue: Q,
    message: QueueMessage<Q>,
    options: SendOptions = {},
  ): Promise<void> {
    await this.sendMany(queue, [message], options);
  }

  async sendMany<Q extends QueueName>(
    queue: Q,
    messages: readonly QueueMessage<Q>[],
    options: SendOptions = {},
  ): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (options.delaySeconds !== undefined && (options.delaySeconds < 0 || options.delaySeconds > 900))
      throw new Error(`SQS delays are 0 to 900 seconds (${options.delaySeconds} given).`);
    const parsed = messages.map((m) => QUEUE_MESSAGES[queue].parse(m) as ParsedQueueMessage<Q>);
    for (const message of parsed)
      this.sent.push({
        queue,
        message,
        ...(options.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}),
      } as SentMessage);
  }

  /** The messages sent to `queue`, in order. */
  messages<Q extends QueueName>(queue: Q): ParsedQueueMessage<Q>[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.message as ParsedQueueMessage<Q>);
  }

  /** Everything sent to `queue` since the last take, removed from the record (a worker's receive). */
  take<Q extends QueueName>(queue: Q): SentMessage<Q>[] {
    const taken: SentMessage<Q>[] = [];
    for (let i = 0; i < this.sent.length; ) {
      const s = this.sent[i] as SentMessage;
      if (s.queue === queue) {
        taken.push(s as SentMessage<Q>);
        this.sent.splice(i, 1);
      } else i++;
    }
    return taken;
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export class FakeMailer implements Mailer {
  readonly outbox: EmailMessage[] = [];
  /** Set to make sends fail (SES refusing). */
  failWith: Error | undefined;
  #count = 0;

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    if (this.failWith) throw this.failWith;
    if (!message.to) throw new Error('An e-mail needs a recipient.');
    this.outbox.push(structuredClone(message));
    this.#count++;
    return { messageId: `mail-${this.#count}` };
  }

  to(address: string): EmailMessage[] {
    return this.outbox.filter((m) => m.to === address);
  }
}
