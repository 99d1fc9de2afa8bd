/**
 * The wrappers of the queue workers and the scheduled jobs. Workers use Powertools batch processing
 * with partial batch responses (a failed record is retried alone and, after `maxReceiveCount`
 * receives, moves to the dead-letter queue) and Powertools idempotency on the message id (a message
 * delivered twice is processed once). Every record is parsed by the Powertools parser (the SQS
 * record schema, its body JSON of the queue's zod schema); every scheduled event by its EventBridge
 * schema. Each worker is handed its queue's `maxReceiveCount` from the manifest, and the reads its
 * batch shares (`batch`: each asset's counts read from Apple once per batch).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser as batchParser } from '@aws-lambda-powertools/batch/parser';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema, SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import type { EventBridgeEvent } from '@aws-lambda-powertools/parser/types';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type * as z from 'zod';
import { type BatchReads, batchReads } from '../../shared/application/apple-records.ts';
import {
  type ParsedQueueMessage,
  QUEUE_MESSAGES,
  type QueueName,
} from '../../shared/application/messages.ts';
import type { Delivery } from '../../shared/application/ports/vpp-errors.ts';
import type { Deps } from '../../shared/composition/deps.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import { getDeps } from './deps.ts';
import { logger, metrics, publishMetrics, tracer } from './powertools.ts';

/** A message's delivery: its id, and how many receives it has had of its queue's `maxReceiveCount`. */
export interface DeliveredRecord extends Delivery {
  readonly messageId: string;
  /** What the records of this batch have read from Apple (shared by every record of one invocation). */
  readonly batch: BatchReads;
  /** How long the invocation has left (a long job stops in time and continues in a new one). */
  readonly remainingMs: () => number;
}

export type MessageProcessor<Q extends QueueName> = (
  deps: Deps,
  message: ParsedQueueMessage<Q>,
  record: DeliveredRecord,
) => Promise<void>;

/** What a record's processing shares with its invocation: the batch's reads, the time left. */
type Invocation = Pick<DeliveredRecord, 'batch' | 'remainingMs'>;

const recordSchema = <Q extends QueueName>(queue: Q) =>
  SqsRecordSchema.extend({ body: JSONStringified(QUEUE_MESSAGES[queue]) });

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
  const definition = QUEUES.find((q) => q.id === queue);
  if (!definition) throw new Error(`The queue ${queue} has no definition in shared/config/queues.ts.`);
  const { maxReceiveCount } = definition;
  const schema = recordSchema(queue);
  type ParsedRecord = z.output<typeof schema>;
  const processor = new BatchProcessor(EventType.SQS, { parser: batchParser, schema });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'messageId', expiresAfterSeconds: 3600 });
  let idempotent: ((record: ParsedRecord, invocation: Invocation) => Promise<void>) | undefined;

  const run = async (deps: Deps, record: ParsedRecord, invocation: Invocation) => {
    await process(deps, record.body as ParsedQueueMessage<Q>, {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      maxReceiveCount,
      ...invocation,
    });
  };
  const handle = async (record: ParsedRecord, invocation: Invocation): Promise<void> => {
    const deps = await getDeps();
    if (!options.deduplicate) return run(deps, record, invocation);
    // The message (argument 0) is what makes a delivery the same; the invocation is not.
    idempotent ??= makeIdempotent((r: ParsedRecord, i: Invocation) => run(deps, r, i), {
      persistenceStore: deps.idempotencyStore('worker'),
      config,
      dataIndexArgument: 0,
    });
    await idempotent(record, invocation);
  };

  return middy<SQSEvent, SQSBatchResponse>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event, context: Context) => {
      logger.appendKeys({ queue });
      // An in-progress record of a crashed invocation expires with the Lambda's remaining time.
      config.registerLambdaContext(context);
      // The reads this invocation's records share, and its clock.
      const invocation = { batch: batchReads(), remainingMs: () => context.getRemainingTimeInMillis() };
      const response = await processPartialResponse(
        event,
        (record: ParsedRecord) => handle(record, invocation),
        processor,
        {
          context,
          throwOnFullBatchFailure: false,
        },
      );
      const failed = response.batchItemFailures.length;
      if (failed > 0) {
        metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
        logger.warn('records failed', { failed, total: event.Records.length });
      }
      metrics.addMetric('RecordsProcessed', MetricUnit.Count, event.Records.length - failed);
      return response;
    });
}

/** Builds the Lambda handler of a scheduled job (an EventBridge rule's event). */
export function scheduledJob(
  name: string,
  run: (deps: Deps, event: EventBridgeEvent) => Promise<Record<string, unknown>>,
) {
  return middy<EventBridgeEvent, void>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .use(parser({ schema: EventBridgeSchema }))
    .handler(async (event) => {
      logger.appendKeys({ schedule: name });
      const report = await run(await getDeps(), event);
      logger.info('schedule finished', { report });
    });
}
