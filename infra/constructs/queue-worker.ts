/**
 * Connects a worker function to its queue: partial batch failures on (the handler reports the failed
 * message ids, the rest are deleted), the batch size of shared/config/queues.ts and the deployment's
 * `workerConcurrency` as the maximum concurrency. The queue's DLQ (stateful stack) catches what keeps
 * failing.
 */
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { workerTimeoutSeconds } from '../../shared/config/queues.ts';
import type { AppFunction, QueueBinding } from './app-function.ts';

export interface QueueWorkerProps {
  readonly fn: AppFunction;
  readonly queue: QueueBinding;
  /** Concurrent invocations the queue may start (2 to 1000). */
  readonly maxConcurrency: number;
}

export class QueueWorker extends Construct {
  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id);
    const { fn, queue, maxConcurrency } = props;
    const limit = workerTimeoutSeconds(queue.definition);
    if (fn.definition.timeoutSeconds > limit) {
      throw new Error(
        `Function ${fn.definition.id}: timeoutSeconds ${fn.definition.timeoutSeconds} exceeds ${limit}, the limit for the ${queue.definition.id} queue (workerTimeoutSeconds in shared/config/queues.ts).`,
      );
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      throw new Error(
        `Function ${fn.definition.id}: maxConcurrency must be an integer from 2 to 1000 (SQS event source limit).`,
      );
    }
    fn.addEventSource(
      new lambdaEventSources.SqsEventSource(queue.queue, {
        batchSize: queue.definition.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
  }
}
