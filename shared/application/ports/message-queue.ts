/**
 * The work queues (SQS in AWS, an SQS-compatible server locally). Delivery is at least once: every
 * consumer must be idempotent. A delayed message is how a worker comes back later without waiting.
 */
import type { QueueMessage, QueueName } from '../messages.ts';

export interface SendOptions {
  /** Up to 900 seconds (SQS's limit). */
  readonly delaySeconds?: number;
}

export interface MessageQueue {
  send<Q extends QueueName>(queue: Q, message: QueueMessage<Q>, options?: SendOptions): Promise<void>;
  sendMany<Q extends QueueName>(
    queue: Q,
    messages: readonly QueueMessage<Q>[],
    options?: SendOptions,
  ): Promise<void>;
}
