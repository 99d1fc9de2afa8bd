/**
 * One delivery attempt of one event to one subscription (issue 18 points 3 and 4).
 * 1. The URL's host is resolved and checked again now (webhook-url.ts): a URL that the rules refuse
 *    today is not connected to at all (`refused` with the reason).
 * 2. The body is the envelope `{id, type, createdAt, orgId, accountId?, data}` as JSON, signed per
 *    Standard Webhooks with every secret still valid (the current one, and the previous one for a day
 *    after a rotation).
 * 3. It is sent to the first checked address, never to a second lookup's; no redirect followed, one
 *    deadline, a bounded answer (the sender's rules). 2xx is delivered; anything else is not.
 * Retries, the delivery log and the queue are not here: this is the attempt they repeat.
 * Errors (sendTestEvent): auth.forbidden (403); webhook.not_found (404); webhook.secret_missing (409).
 */
import { ConflictError, isDomainError } from '../../domain/errors.ts';
import {
  validSecrets,
  type WebhookEventType,
  WebhookSigningSecretsSchema,
  type WebhookSubscription,
} from '../../domain/webhook.ts';
import type { Clock } from '../ports/clock.ts';
import type { HostResolver } from '../ports/host-resolver.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { WebhookSender } from '../ports/webhook-sender.ts';
import { webhookSecretName } from './manage-webhooks.ts';
import { signWebhook } from './sign-webhook.ts';
import { resolveWebhookTarget, URL_NOT_ALLOWED } from './webhook-url.ts';

/** How long a receiver has for the whole exchange. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The envelope of every event; `webhook.test` is the test event (not a type one subscribes to). */
export interface WebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType | 'webhook.test';
  readonly createdAt: string;
  readonly orgId: string;
  readonly accountId?: string;
  readonly data: Record<string, unknown>;
}

/** What one attempt came to: delivered (2xx), answered otherwise, no answer, or refused before sending. */
export interface DeliveryAttempt {
  delivered: boolean;
  status?: number;
  error?: 'timeout' | 'connection_refused' | 'connection_failed' | 'tls_failed';
  /** The URL rule that refused the address at delivery time (nothing was sent). */
  refused?: string;
  durationMs: number;
}

export interface DeliveryDeps {
  readonly hosts: HostResolver;
  readonly secrets: SecretStore;
  readonly webhookSender: WebhookSender;
  readonly clock: Clock;
  readonly settings: Pick<ServiceSettings, 'allowLoopbackWebhooks'>;
}

export async function attemptDelivery(
  deps: DeliveryDeps,
  subscription: WebhookSubscription,
  event: WebhookEvent,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<DeliveryAttempt> {
  let target: Awaited<ReturnType<typeof resolveWebhookTarget>>;
  try {
    target = await resolveWebhookTarget(deps, subscription.url);
  } catch (error) {
    if (isDomainError(error) && error.code === URL_NOT_ALLOWED)
      return { delivered: false, refused: String(error.details?.reason), durationMs: 0 };
    throw error;
  }
  const stored = await deps.secrets.get(webhookSecretName(subscription.orgId, subscription.id));
  if (!stored)
    throw new ConflictError(
      'webhook.secret_missing',
      'This subscription lost its signing secret: remove it and create it again.',
    );
  const now = deps.clock.now();
  const secrets = validSecrets(WebhookSigningSecretsSchema.parse(JSON.parse(stored.reveal())), now);
  const body = JSON.stringify(event);
  const address = target.addresses[0];
  if (address === undefined) throw new Error('A checked webhook target has an address.');
  const outcome = await deps.webhookSender.send({
    url: target.url,
    address,
    headers: signWebhook({ id: event.id, at: now, body, secrets }),
    body,
    timeoutMs,
  });
  const status = outcome.status;
  return {
    delivered: status !== undefined && status >= 200 && status < 300,
    ...(status !== undefined ? { status } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    durationMs: outcome.durationMs,
  };
}
