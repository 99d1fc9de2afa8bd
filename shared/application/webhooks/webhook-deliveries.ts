/**
 * Webhook events out (issue 18 points 2 and 3): publishing, fan-out, the delivery attempts through the
 * `webhooks` queue, the delivery log and redelivery.
 * - publishEvent: the one call a use case makes. The event goes to every enabled subscription of the
 *   organisation that asks for its type (and, with an account filter, its account): one delivery record
 *   each, and one queue message each. A `key` (say `<jobId>:<batch>`) makes the event id, and so the
 *   delivery ids, the same when a step runs twice: the second fan-out finds the records and sends
 *   nothing. No subscription wants it: nothing is written.
 * - runDelivery (the webhooks worker): a message names a delivery and its attempt number. A stale one
 *   (the record moved on, or is no longer pending) is dropped; one that is early (a wait longer than
 *   SQS's 900 s is chained) is sent on. Otherwise one attempt (deliver-webhook.ts) with the event's id as
 *   `webhook-id`; 2xx delivers; otherwise the next attempt is queued after the configured wait
 *   (`webhookRetrySeconds`), or, after the last, the delivery is failed. The next message is sent
 *   before the record moves, so a crash between the two repeats the attempt (at least once).
 * - A failed attempt marks the subscription failing (since then); a delivered one clears it. A
 *   subscription failing for `PAUSE_AFTER_FAILING_HOURS` is paused and the org-admin who made it e-mailed.
 * - sendTestEvent (org-admin): the test event as a delivery of the log, its first attempt inline.
 * - listDeliveries: the log, newest first, paged. redeliver (org-admin): a new delivery of the same
 *   event (same `webhook-id`), attempt 1 now.
 * Errors: auth.forbidden (403); webhook.not_found, webhook.delivery_not_found (404); cursor.invalid (400).
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../../domain/errors.ts';
import { escapeHtml } from '../../domain/html.ts';
import { type Principal, requireRole } from '../../domain/principal.ts';
import type { WebhookEventType, WebhookSubscription } from '../../domain/webhook.ts';
import {
  nextHopSeconds,
  retryDelaySeconds,
  shouldPause,
  WEBHOOK_EVENT_PAYLOADS,
  type WebhookDelivery,
  type WebhookEventData,
  type WebhookEventEnvelope,
} from '../../domain/webhook-event.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import { type Page, pageOf } from '../paging.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { WebhookDeliveryRepository } from '../ports/webhook-delivery-repository.ts';
import type { WebhookRepository } from '../ports/webhook-repository.ts';
import { attemptDelivery, type DeliveryAttempt, type DeliveryDeps } from './deliver-webhook.ts';

export interface PublishDeps {
  readonly webhooks: Pick<WebhookRepository, 'listByOrg'>;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly queue: MessageQueue;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export interface RunDeliveryDeps extends DeliveryDeps {
  readonly ids: IdGenerator;
  readonly webhooks: WebhookRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly queue: MessageQueue;
  readonly mailer: Mailer;
  readonly settings: Pick<ServiceSettings, 'allowLoopbackWebhooks' | 'webhookRetrySeconds'>;
}

export interface PublishInput<T extends WebhookEventType> {
  readonly type: T;
  readonly orgId: string;
  readonly accountId?: string;
  readonly data: WebhookEventData<T>;
  /** What makes this event the same when its step runs again (a job step: `<jobId>:<batch>`). */
  readonly key?: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDelivery['status'];
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  lastDurationMs?: number;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 26);

/** One delivery per event and subscription: the same id however often the fan-out runs. */
const deliveryIdOf = (eventId: string, webhookId: string) => `dlv_${digest(`${eventId}|${webhookId}`)}`;

/** Whether `subscription` wants `event`: enabled, its type asked for, its account in the filter. */
export function wants(subscription: WebhookSubscription, event: WebhookEventEnvelope): boolean {
  if (!subscription.enabled || event.type === 'webhook.test') return false;
  if (!subscription.eventTypes.includes(event.type)) return false;
  const filter = subscription.accountIds;
  return !filter || (event.accountId !== undefined && filter.includes(event.accountId));
}

/** Publishes an event to every subscription that wants it; answers the deliveries made. */
export async function publishEvent<T extends WebhookEventType>(
  deps: PublishDeps,
  input: PublishInput<T>,
): Promise<number> {
  const subscriptions = await deps.webhooks.listByOrg(input.orgId);
  const event: WebhookEventEnvelope = {
    id: `evt_${input.key ? digest(`${input.orgId}|${input.type}|${input.key}`) : deps.ids.newId()}`,
    type: input.type,
    createdAt: deps.clock.now().toISOString(),
    orgId: input.orgId,
    ...(input.accountId !== undefined ? { accountId: input.accountId } : {}),
    data: WEBHOOK_EVENT_PAYLOADS[input.type].parse(input.data) as Record<string, unknown>,
  };
  let made = 0;
  for (const subscription of subscriptions.filter((s) => wants(s, event))) {
    const id = deliveryIdOf(event.id, subscription.id);
    if (await startDelivery(deps, subscription, id, event)) made++;
  }
  return made;
}

async function startDelivery(
  deps: Pick<PublishDeps, 'webhookDeliveries' | 'queue' | 'clock'>,
  subscription: WebhookSubscription,
  id: string,
  event: WebhookEventEnvelope,
): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  const delivery: WebhookDelivery = {
    id,
    orgId: subscription.orgId,
    webhookId: subscription.id,
    event,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  const created = await deps.webhookDeliveries.create(delivery);
  const existing = created
    ? delivery
    : await deps.webhookDeliveries.get(delivery.orgId, delivery.webhookId, id);
  // Seen before and already under way: its messages are out. Not yet attempted: send (again).
  if (!existing || existing.attempts > 0 || existing.status !== 'pending') return false;
  await deps.queue.send('webhooks', {
    orgId: subscription.orgId,
    webhookId: subscription.id,
    deliveryId: id,
    attempt: 1,
  });
  return created;
}

/** The webhooks worker's step: one attempt of one delivery, and what follows from it. */
export async function runDelivery(
  deps: RunDeliveryDeps,
  message: ParsedQueueMessage<'webhooks'>,
): Promise<void> {
  const delivery = await deps.webhookDeliveries.get(message.orgId, message.webhookId, message.deliveryId);
  if (delivery?.status !== 'pending' || delivery.attempts !== message.attempt - 1) return;
  const now = deps.clock.now();
  if (message.dueAt) {
    const hop = nextHopSeconds(new Date(message.dueAt), now);
    if (hop > 0) return deps.queue.send('webhooks', message, { delaySeconds: hop });
  }
  const subscription = await deps.webhooks.get(message.orgId, message.webhookId);
  if (!subscription?.enabled) {
    const lastError = subscription ? 'subscription_paused' : 'subscription_removed';
    await deps.webhookDeliveries.update(
      { ...delivery, status: 'failed', lastError, updatedAt: now.toISOString() },
      delivery.attempts,
    );
    return;
  }
  await attemptAndRecord(deps, subscription, delivery, message);
}

/** One attempt of `delivery` (its message `message`), recorded, and the retry or failure after it. */
async function attemptAndRecord(
  deps: RunDeliveryDeps,
  subscription: WebhookSubscription,
  delivery: WebhookDelivery,
  message: ParsedQueueMessage<'webhooks'>,
): Promise<DeliveryAttempt> {
  const now = deps.clock.now();
  const attempt = await attemptDelivery(deps, subscription, delivery.event);
  const attempts = delivery.attempts + 1;
  const { lastStatus: _s, lastError: _e, nextAttemptAt: _n, ...rest } = delivery;
  const lastError = attempt.refused ? `refused: ${attempt.refused}` : attempt.error;
  const recorded: WebhookDelivery = {
    ...rest,
    attempts,
    ...(attempt.status !== undefined ? { lastStatus: attempt.status } : {}),
    ...(lastError ? { lastError } : !attempt.delivered ? { lastError: 'not_2xx' } : {}),
    lastDurationMs: Math.round(attempt.durationMs),
    updatedAt: deps.clock.now().toISOString(),
  };
  if (attempt.delivered) {
    if (await deps.webhookDeliveries.update({ ...recorded, status: 'delivered' }, delivery.attempts))
      await markHealthy(deps, subscription);
    return attempt;
  }
  const wait = retryDelaySeconds(deps.settings.webhookRetrySeconds, attempts);
  if (wait === undefined) {
    await deps.webhookDeliveries.update({ ...recorded, status: 'failed' }, delivery.attempts);
  } else {
    const dueAt = new Date(now.getTime() + wait * 1000);
    await deps.queue.send(
      'webhooks',
      { ...message, attempt: attempts + 1, dueAt: dueAt.toISOString() },
      { delaySeconds: nextHopSeconds(dueAt, now) },
    );
    await deps.webhookDeliveries.update(
      { ...recorded, status: 'pending', nextAttemptAt: dueAt.toISOString() },
      delivery.attempts,
    );
  }
  await markFailing(deps, subscription);
  return attempt;
}

/**
 * Sends the test event (`webhook.test`) to one subscription now, paused or not, as a delivery of its
 * log (retried like any other while the subscription is enabled), and answers how the first attempt went.
 */
export async function sendTestEvent(
  deps: RunDeliveryDeps & { readonly ids: IdGenerator },
  principal: Principal,
  id: string,
): Promise<DeliveryAttempt> {
  requireRole(principal, 'org-admin');
  const subscription = await deps.webhooks.get(principal.orgId, id);
  if (!subscription) throw new NotFoundError('Webhook');
  const now = deps.clock.now().toISOString();
  const event: WebhookEventEnvelope = {
    id: `evt_${deps.ids.newId()}`,
    type: 'webhook.test',
    createdAt: now,
    orgId: subscription.orgId,
    data: { subscriptionId: subscription.id, message: 'A test event from VPP Manager.' },
  };
  const delivery: WebhookDelivery = {
    id: deliveryIdOf(event.id, subscription.id),
    orgId: subscription.orgId,
    webhookId: subscription.id,
    event,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  await deps.webhookDeliveries.create(delivery);
  const message = {
    orgId: delivery.orgId,
    webhookId: delivery.webhookId,
    deliveryId: delivery.id,
    attempt: 1,
  };
  return attemptAndRecord(deps, subscription, delivery, message);
}

async function markHealthy(deps: RunDeliveryDeps, subscription: WebhookSubscription): Promise<void> {
  if (subscription.failingSince === undefined) return;
  const { failingSince: _f, ...rest } = subscription;
  // Best effort: a subscription changed meanwhile is read again at its next delivery.
  await deps.webhooks.update({ ...rest, updatedAt: deps.clock.now().toISOString() }, subscription);
}

/** Failing since now (if not already); paused and its creator told once it has failed for a day. */
async function markFailing(deps: RunDeliveryDeps, subscription: WebhookSubscription): Promise<void> {
  const now = deps.clock.now();
  if (subscription.failingSince === undefined) {
    await deps.webhooks.update(
      { ...subscription, failingSince: now.toISOString(), updatedAt: now.toISOString() },
      subscription,
    );
    return;
  }
  if (!shouldPause(subscription.failingSince, now)) return;
  const paused: WebhookSubscription = {
    ...subscription,
    enabled: false,
    pausedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  if (await deps.webhooks.update(paused, subscription)) await deps.mailer.send(pausedEmail(paused));
}

export function pausedEmail(subscription: WebhookSubscription) {
  const origin = new URL(subscription.url).origin;
  const lines = [
    `Every delivery to the webhook subscription ${subscription.id} (${origin}) has failed since ${subscription.failingSince}, so VPP Manager has paused it: no more events are sent to it.`,
    `Check the receiver and its delivery log (GET /v1/webhooks/${encodeURIComponent(subscription.id)}/deliveries), then resume it: set "enabled" to true (PATCH /v1/webhooks/${encodeURIComponent(subscription.id)}).`,
  ];
  return {
    to: subscription.createdBy,
    subject: '[VPP Manager] webhook subscription paused',
    text: `${lines.join('\n\n')}\n\n— VPP Manager`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${lines
      .map((l) => `<p>${escapeHtml(l)}</p>`)
      .join('')}<p style="color:#666">— VPP Manager</p></body></html>`,
  };
}

export function toDeliveryView(delivery: WebhookDelivery): DeliveryView {
  const { event, orgId: _o, webhookId: _w, ...rest } = delivery;
  return { ...rest, eventId: event.id, eventType: event.type };
}

/** Newest first: the key sorts later times first. */
const newestFirst = (d: WebhookDelivery) =>
  `${String(8_640_000_000_000_000 - new Date(d.createdAt).getTime()).padStart(16, '0')}#${d.id}`;

export async function listDeliveries(
  deps: { webhooks: Pick<WebhookRepository, 'get'>; webhookDeliveries: WebhookDeliveryRepository },
  principal: Principal,
  webhookId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<DeliveryView>> {
  if (!(await deps.webhooks.get(principal.orgId, webhookId))) throw new NotFoundError('Webhook');
  const all = await deps.webhookDeliveries.listByWebhook(principal.orgId, webhookId);
  const found = pageOf(all, newestFirst, page.limit, page.cursor);
  return {
    items: found.items.map(toDeliveryView),
    ...(found.nextCursor ? { nextCursor: found.nextCursor } : {}),
  };
}

export async function redeliver(
  deps: PublishDeps & { webhooks: Pick<WebhookRepository, 'get' | 'listByOrg'> },
  principal: Principal,
  webhookId: string,
  deliveryId: string,
): Promise<DeliveryView> {
  requireRole(principal, 'org-admin');
  const subscription = await deps.webhooks.get(principal.orgId, webhookId);
  if (!subscription) throw new NotFoundError('Webhook');
  const original = await deps.webhookDeliveries.get(principal.orgId, webhookId, deliveryId);
  if (!original) throw new NotFoundError('Webhook delivery', 'webhook.delivery_not_found');
  const id = `dlv_${digest(`${original.id}|${deps.ids.newId()}`)}`;
  await startDelivery(deps, subscription, id, original.event);
  const made = await deps.webhookDeliveries.get(principal.orgId, webhookId, id);
  if (!made) throw new Error('A redelivery just made is there.');
  return toDeliveryView(made);
}
