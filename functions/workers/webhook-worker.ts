/** The webhooks queue: one delivery attempt per message (retries are delayed re-sends of it). */
import { runDelivery } from '../../shared/application/webhooks/webhook-deliveries.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker('webhooks', (deps, message) => runDelivery(deps, message));
