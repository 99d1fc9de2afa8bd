/**
 * One queue of shared/config/queues.ts and its dead-letter queue: SSE (SQS-managed keys), TLS-only
 * access policies, and a redrive after `maxReceiveCount` receives. Stateful: both are retained.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDefinition } from '../../shared/config/queues.ts';
import type { QueueBinding } from './app-function.ts';

/** Long enough to look at a failure after a weekend or a holiday; SQS's maximum. */
export const DLQ_RETENTION = Duration.days(14);
/** Shorter than the DLQ's: a message keeps its first enqueue time when it is moved to the DLQ. */
export const QUEUE_RETENTION = Duration.days(4);

export interface QueueWithDlqProps {
  readonly definition: QueueDefinition;
}

export class QueueWithDlq extends Construct implements QueueBinding {
  readonly definition: QueueDefinition;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    // SQS-managed SSE needs no KMS permissions in producers and consumers, and the messages hold
    // only ids (never a token or secret), so a customer-managed key would add cost and grants for nothing.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: QUEUE_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
