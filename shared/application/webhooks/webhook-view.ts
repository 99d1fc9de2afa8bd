/** What the API shows of a subscription: the record without its organisation, never the secret. */
import type { WebhookSubscription } from '../../domain/webhook.ts';

export type WebhookView = Omit<WebhookSubscription, 'orgId'>;

/** The answers of creation and rotation, the only two that hand the signing secret over. */
export type WebhookWithSecretView = WebhookView & { secret: string };

export function toWebhookView(subscription: WebhookSubscription): WebhookView {
  const { orgId: _orgId, ...view } = subscription;
  return view;
}
