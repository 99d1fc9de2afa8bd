/** Webhook subscriptions of the organisation (issue 18): org-admins write, every role reads. */
import * as z from 'zod';
import type { DeliveryAttempt } from '../application/webhooks/deliver-webhook.ts';
import type {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookRemoval,
} from '../application/webhooks/manage-webhooks.ts';
import type { DeliveryView } from '../application/webhooks/webhook-deliveries.ts';
import type { WebhookView, WebhookWithSecretView } from '../application/webhooks/webhook-view.ts';
import {
  MAX_WEBHOOKS_PER_ORG,
  WebhookEventTypeSchema,
  WebhookSubscriptionSchema,
} from '../domain/webhook.ts';
import { WEBHOOK_EVENT_PAYLOADS, WebhookEventSchema } from '../domain/webhook-event.ts';
import { jwtRoutes, PageQueryShape, pageOf, schemaOf } from './route.ts';

const EventType = WebhookEventTypeSchema.meta({ id: 'WebhookEventType' });
const Url = z.string().trim().min(1).max(2048).meta({
  description:
    'An https URL whose host resolves to public addresses only (no private, loopback, link-local or cloud metadata address, no user name or password); refused with webhook.url_not_allowed (422) and the reason.',
});
const EventTypes = z.array(EventType).min(1).max(50);
const AccountIds = z.array(z.string().min(1).max(64)).max(100);

export const CreateWebhookBody = schemaOf<CreateWebhookInput>()(
  z
    .object({
      url: Url,
      eventTypes: EventTypes,
      accountIds: AccountIds.optional().meta({
        description: 'Only events of these accounts of the organisation; absent or empty: every account.',
      }),
      enabled: z.boolean().default(true),
    })
    .strict()
    .meta({ id: 'CreateWebhook' }),
);

export const UpdateWebhookBody = schemaOf<UpdateWebhookInput>()(
  z
    .object({
      url: Url.optional(),
      eventTypes: EventTypes.optional(),
      accountIds: AccountIds.optional().meta({ description: 'Empty: every account again.' }),
      enabled: z.boolean().optional().meta({ description: 'false: paused (nothing is delivered).' }),
    })
    .strict()
    .refine((b) => Object.keys(b).length > 0, {
      message: 'Give at least one of url, eventTypes, accountIds, enabled.',
    })
    .meta({ id: 'UpdateWebhook' }),
);

export const WebhookViewSchema = schemaOf<WebhookView>()(
  WebhookSubscriptionSchema.omit({ orgId: true })
    .extend({ eventTypes: z.array(EventType) })
    .meta({ id: 'Webhook', description: 'A subscription; its signing secret is never shown here.' }),
);

export const WebhookWithSecretSchema = schemaOf<WebhookWithSecretView>()(
  WebhookViewSchema.extend({
    secret: z.string().meta({
      description:
        'The signing secret (Standard Webhooks `whsec_…`), shown in this answer only: keep it now. After a rotation the previous one still verifies until previousSecretExpiresAt.',
    }),
  }).meta({ id: 'WebhookWithSecret' }),
);

const WebhookParams = z.object({ webhookId: z.string().min(1).max(64) });

const route = jwtRoutes('webhooks');

export const createWebhook = route('createWebhook', 'POST /v1/webhooks', {
  summary: `Subscribe a URL to events (org-admin; at most ${MAX_WEBHOOKS_PER_ORG} per organisation). The answer shows the signing secret, once.`,
  body: CreateWebhookBody,
  response: { status: 201, schema: WebhookWithSecretSchema },
  errors: [403, 404, 422],
});

export const listWebhooks = route('listWebhooks', 'GET /v1/webhooks', {
  summary: "The organisation's webhook subscriptions, oldest first.",
  response: {
    status: 200,
    schema: z.object({ items: z.array(WebhookViewSchema) }).meta({ id: 'WebhookList' }),
  },
});

export const getWebhook = route('getWebhook', 'GET /v1/webhooks/{webhookId}', {
  summary: 'One subscription.',
  params: WebhookParams,
  response: { status: 200, schema: WebhookViewSchema },
  errors: [404],
});

export const updateWebhook = route('updateWebhook', 'PATCH /v1/webhooks/{webhookId}', {
  summary: 'Change the URL, the event types, the account filter, or pause and resume (org-admin).',
  params: WebhookParams,
  body: UpdateWebhookBody,
  response: { status: 200, schema: WebhookViewSchema },
  errors: [403, 404, 409, 422],
});

export const removeWebhook = route('removeWebhook', 'DELETE /v1/webhooks/{webhookId}', {
  summary: 'Remove a subscription and its signing secret (org-admin).',
  params: WebhookParams,
  response: {
    status: 200,
    schema: schemaOf<WebhookRemoval>()(
      z.object({ id: z.string(), removed: z.literal(true) }).meta({ id: 'WebhookRemoved' }),
    ),
  },
  errors: [403, 404],
});

export const rotateWebhookSecret = route(
  'rotateWebhookSecret',
  'POST /v1/webhooks/{webhookId}/rotate-secret',
  {
    summary:
      'A new signing secret, shown in this answer only (org-admin); the previous one still verifies for 24 hours.',
    params: WebhookParams,
    response: { status: 200, schema: WebhookWithSecretSchema },
    errors: [403, 404, 409],
  },
);

export const DeliveryAttemptSchema = schemaOf<DeliveryAttempt>()(
  z
    .object({
      delivered: z.boolean().meta({ description: 'The receiver answered 2xx.' }),
      status: z
        .number()
        .int()
        .optional()
        .meta({ description: "The receiver's status code (redirects are not followed)." }),
      error: z
        .enum(['timeout', 'connection_refused', 'connection_failed', 'tls_failed'])
        .optional()
        .meta({ description: 'No answer, and why.' }),
      refused: z
        .string()
        .optional()
        .meta({ description: 'The URL rule that refused the address at delivery time: nothing was sent.' }),
      durationMs: z.number().int(),
    })
    .meta({ id: 'WebhookDeliveryAttempt' }),
);

export const testWebhook = route('testWebhook', 'POST /v1/webhooks/{webhookId}/test', {
  summary:
    'Send a signed test event (`type: "webhook.test"`) to the subscription now, paused or not, and answer how the receiver took it (org-admin).',
  params: WebhookParams,
  response: { status: 200, schema: DeliveryAttemptSchema },
  errors: [403, 404, 409],
});

/** Each event type's `data`, as components of the API document (`WebhookEvent_<type>`). */
export const WEBHOOK_EVENT_SCHEMAS = Object.fromEntries(
  Object.entries(WEBHOOK_EVENT_PAYLOADS).map(([type, data]) => [
    type,
    WebhookEventSchema.extend({ type: z.literal(type), data }).meta({
      id: `WebhookEvent_${type.replace('.', '_')}`,
      description: `The envelope of a \`${type}\` event: {id, type, createdAt, orgId, accountId?, data}.`,
    }),
  ]),
);

export const WebhookDeliverySchema = schemaOf<DeliveryView>()(
  z
    .object({
      id: z.string(),
      eventId: z.string().meta({ description: 'The `webhook-id` of every attempt (and redelivery).' }),
      eventType: z.string(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number().int(),
      lastStatus: z.number().int().optional().meta({ description: "The receiver's last status code." }),
      lastError: z.string().optional().meta({ description: 'Why the last attempt did not deliver.' }),
      lastDurationMs: z.number().int().optional(),
      nextAttemptAt: z.string().optional(),
      createdAt: z.string(),
      updatedAt: z.string(),
    })
    .meta({ id: 'WebhookDelivery' }),
);

const DeliveryParams = WebhookParams.extend({ deliveryId: z.string().min(1).max(64) });

export const listWebhookDeliveries = route(
  'listWebhookDeliveries',
  'GET /v1/webhooks/{webhookId}/deliveries',
  {
    summary:
      "The subscription's delivery log, newest first (kept 30 days): status, attempts, the last answer's code and duration.",
    params: WebhookParams,
    query: z.object({ ...PageQueryShape }),
    response: { status: 200, schema: pageOf(WebhookDeliverySchema, 'WebhookDeliveryPage') },
    errors: [400, 404],
  },
);

export const redeliverWebhook = route(
  'redeliverWebhook',
  'POST /v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
  {
    summary:
      'Send the event of a delivery again, as a new delivery with the same `webhook-id` (org-admin; the subscription must be enabled).',
    params: DeliveryParams,
    response: { status: 202, schema: WebhookDeliverySchema },
    errors: [403, 404],
  },
);

export const WEBHOOK_ROUTES = [
  listWebhookDeliveries,
  redeliverWebhook,
  createWebhook,
  listWebhooks,
  getWebhook,
  updateWebhook,
  removeWebhook,
  rotateWebhookSecret,
  testWebhook,
];
