/**
 * The SQS queues, each with a dead-letter queue. One definition for the CDK stack and the local
 * runtime. A message that fails `maxReceiveCount` times moves to the queue's DLQ, which has an alarm.
 */
import type { EnvKey } from './env-keys.ts';

export interface QueueDefinition {
  readonly id: 'grants' | 'revocations' | 'notifications' | 'events' | 'jobs' | 'webhooks';
  readonly envKey: EnvKey;
  /** Longer than the worker's timeout, as SQS requires for Lambda event sources. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly description: string;
}

export const QUEUES: readonly QueueDefinition[] = [
  {
    id: 'grants',
    envKey: 'queueGrants',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    batchSize: 10,
    description: 'Licence grants to send to Apple',
  },
  {
    id: 'revocations',
    envKey: 'queueRevocations',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    batchSize: 10,
    description: 'Licence revocations to send to Apple',
  },
  {
    id: 'notifications',
    envKey: 'queueNotifications',
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    batchSize: 10,
    description: "Apple's notifications to apply",
  },
  {
    id: 'events',
    envKey: 'queueEvents',
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    batchSize: 10,
    description: 'Apple events to follow (delayed status polls)',
  },
  {
    id: 'jobs',
    envKey: 'queueJobs',
    visibilityTimeoutSeconds: 900,
    maxReceiveCount: 3,
    batchSize: 1,
    description: 'Long jobs: syncs, invitations, retirements, reconciliations',
  },
  {
    id: 'webhooks',
    envKey: 'queueWebhooks',
    // An attempt takes at most the delivery timeout (10 s); retries are delayed re-sends, not receives.
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    batchSize: 10,
    description: 'Webhook delivery attempts (retries are delayed re-sends)',
  },
];

export type QueueId = QueueDefinition['id'];

/** Lambda timeout for a queue's worker: a sixth below the visibility timeout. */
export const workerTimeoutSeconds = (queue: QueueDefinition): number =>
  Math.floor((queue.visibilityTimeoutSeconds * 5) / 6);
