/**
 * The wrappers of the queue workers and the scheduled jobs. Workers use Powertools batch processing
 * with partial batch responses (a failed record is retried alone and, after `maxReceiveCount`
 * receives, moves to the dead-letter queue) and Powertools idempotency on the message id (a message
 * delivered twice is processed once). Every message is parsed with its queue's zod schema.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type ParsedQueueMessage,
  QUEUE_MESSAGES,
  type QueueName,
} from '../../shared/application/messages.ts';
import type { Deps } from '../../shared/composition/deps.ts';
import { getDeps } from './deps.ts';
import { logger, metrics, tracer } from './powertools.ts';

export type MessageProcessor<Q extends QueueName> = (
  deps: Deps,
  message: ParsedQueueMessage<Q>,
  record: { readonly messageId: string; readonly receiveCount: number },
) => Promise<void>;

/**
 * Builds the Lambda handler of a queue's worker. `deduplicate` adds Powertools idempotency on the
 * message id (a record per message in the idempotency table); workers whose processing is idempotent
 * by itself (a sync, a notification applied from Apple's answer) go without, and write nothing extra.
 */
export function queueWorker<Q extends QueueName>(
  queue: Q,
  process: MessageProcessor<Q>,
  options: { deduplicate?: boolean } = {},
) {
  const processor = new BatchProcessor(EventType.SQS);
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'messageId', expiresAfterSeconds: 3600 });
  let idempotent: ((record: SQSRecord) => Promise<void>) | undefined;

  const run = async (deps: Deps, record: SQSRecord) => {
    const message = QUEUE_MESSAGES[queue].parse(JSON.parse(record.body)) as ParsedQueueMessage<Q>;
    await process(deps, message, {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
    });
  };
  const handle = async (record: SQSRecord): Promise<void> => {
    const deps = await getDeps();
    if (!options.deduplicate) return run(deps, record);
    idempotent ??= makeIdempotent((r: SQSRecord) => run(deps, r), {
      persistenceStore: deps.idempotencyStore('worker'),
      config,
    });
    await idempotent(record);
  };

  return middy<SQSEvent, SQSBatchResponse>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event, context: Context) => {
      logger.appendKeys({ queue });
      // An in-progress record of a crashed invocation expires with the Lambda's remaining time.
      config.registerLambdaContext(context);
      const response = await processPartialResponse(event, handle, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
      const failed = response.batchItemFailures.length;
      if (failed > 0) {
        metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
        logger.warn('records failed', { failed, total: event.Records.length });
      }
      metrics.addMetric('RecordsProcessed', MetricUnit.Count, event.Records.length - failed);
      return response;
    });
}

/** Builds the Lambda handler of a scheduled job. */
export function scheduledJob(
  name: string,
  run: (deps: Deps, event: ScheduledEvent) => Promise<Record<string, unknown>>,
) {
  return middy<ScheduledEvent, void>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      logger.appendKeys({ schedule: name });
      const report = await run(await getDeps(), event);
      logger.info('schedule finished', { report });
    });
}
