/** The webhook delivery log in a Map, with the table's conditions. */
import type { WebhookDeliveryRepository } from '../../../shared/application/ports/webhook-delivery-repository.ts';
import { type WebhookDelivery, WebhookDeliverySchema } from '../../../shared/domain/webhook-event.ts';
import { copy } from './conditions.ts';

const keyOf = (d: Pick<WebhookDelivery, 'orgId' | 'webhookId' | 'id'>) => `${d.orgId}|${d.webhookId}|${d.id}`;

export class MemoryWebhookDeliveryRepository implements WebhookDeliveryRepository {
  readonly #items = new Map<string, WebhookDelivery>();

  async create(delivery: WebhookDelivery): Promise<boolean> {
    if (this.#items.has(keyOf(delivery))) return false;
    this.#items.set(keyOf(delivery), WebhookDeliverySchema.parse(copy(delivery)));
    return true;
  }

  async get(orgId: string, webhookId: string, id: string): Promise<WebhookDelivery | undefined> {
    const found = this.#items.get(keyOf({ orgId, webhookId, id }));
    return found ? copy(found) : undefined;
  }

  async update(next: WebhookDelivery, previousAttempts: number): Promise<boolean> {
    const stored = this.#items.get(keyOf(next));
    if (!stored || stored.attempts !== previousAttempts) return false;
    this.#items.set(keyOf(next), WebhookDeliverySchema.parse(copy(next)));
    return true;
  }

  async listByWebhook(orgId: string, webhookId: string): Promise<WebhookDelivery[]> {
    return [...this.#items.values()].filter((d) => d.orgId === orgId && d.webhookId === webhookId).map(copy);
  }

  /** Every delivery (tests). */
  all(): WebhookDelivery[] {
    return [...this.#items.values()].map(copy);
  }
}
