/** The delivery log: one record per event and subscription (and per redelivery), kept a while. */
import type { WebhookDelivery } from '../../domain/webhook-event.ts';

export interface WebhookDeliveryRepository {
  /** Stores a new delivery; false when one of this id is already there (a fan-out seen twice). */
  create(delivery: WebhookDelivery): Promise<boolean>;
  get(orgId: string, webhookId: string, id: string): Promise<WebhookDelivery | undefined>;
  /** Replaces the record only if its attempts are still `previousAttempts`; false otherwise. */
  update(next: WebhookDelivery, previousAttempts: number): Promise<boolean>;
  /** Every delivery of the subscription (the log keeps 30 days). */
  listByWebhook(orgId: string, webhookId: string): Promise<WebhookDelivery[]>;
}
