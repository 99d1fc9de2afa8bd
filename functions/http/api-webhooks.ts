/** Webhook subscriptions: create, list, read, change, remove, rotate the signing secret, send a test event. */
import {
  createWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverWebhook,
  removeWebhook,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
} from '../../shared/api/webhooks.ts';
import * as webhooks from '../../shared/application/webhooks/manage-webhooks.ts';
import {
  listDeliveries,
  redeliver,
  sendTestEvent,
} from '../../shared/application/webhooks/webhook-deliveries.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(createWebhook, async ({ deps, principal, body }) => ({
    status: 201,
    body: await webhooks.createWebhook(deps, principal, body),
  })),
  bind(listWebhooks, async ({ deps, principal }) => ({
    body: { items: await webhooks.listWebhooks(deps, principal) },
  })),
  bind(getWebhook, async ({ deps, principal, params }) => ({
    body: await webhooks.getWebhook(deps, principal, params.webhookId),
  })),
  bind(updateWebhook, async ({ deps, principal, params, body }) => ({
    body: await webhooks.updateWebhook(deps, principal, params.webhookId, body),
  })),
  bind(removeWebhook, async ({ deps, principal, params }) => ({
    body: await webhooks.removeWebhook(deps, principal, params.webhookId),
  })),
  bind(rotateWebhookSecret, async ({ deps, principal, params }) => ({
    body: await webhooks.rotateWebhookSecret(deps, principal, params.webhookId),
  })),
  bind(listWebhookDeliveries, async ({ deps, principal, params, query }) => ({
    body: await listDeliveries(deps, principal, params.webhookId, query),
  })),
  bind(redeliverWebhook, async ({ deps, principal, params }) => ({
    status: 202,
    body: await redeliver(deps, principal, params.webhookId, params.deliveryId),
  })),
  bind(testWebhook, async ({ deps, principal, params }) => ({
    body: await sendTestEvent(deps, principal, params.webhookId),
  })),
);
