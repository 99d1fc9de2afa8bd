/** Webhook subscriptions in a Map per organisation, with the table's conditions. */
import type { WebhookRepository } from '../../../shared/application/ports/webhook-repository.ts';
import { type WebhookSubscription, WebhookSubscriptionSchema } from '../../../shared/domain/webhook.ts';
import { conditionalCheckFailed, copy } from './conditions.ts';

const keyOf = (orgId: string, id: string) => `${orgId}|${id}`;

export class MemoryWebhookRepository implements WebhookRepository {
  readonly #items = new Map<string, WebhookSubscription>();

  async create(subscription: WebhookSubscription): Promise<void> {
    const key = keyOf(subscription.orgId, subscription.id);
    if (this.#items.has(key)) throw conditionalCheckFailed(`webhook ${subscription.id} exists`);
    this.#items.set(key, WebhookSubscriptionSchema.parse(copy(subscription)));
  }

  async get(orgId: string, id: string): Promise<WebhookSubscription | undefined> {
    const found = this.#items.get(keyOf(orgId, id));
    return found ? copy(found) : undefined;
  }

  async listByOrg(orgId: string): Promise<WebhookSubscription[]> {
    return [...this.#items.values()]
      .filter((s) => s.orgId === orgId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(copy);
  }

  async update(next: WebhookSubscription, previous: WebhookSubscription): Promise<boolean> {
    const key = keyOf(next.orgId, next.id);
    const stored = this.#items.get(key);
    if (!stored || stored.updatedAt !== previous.updatedAt || stored.secretVersion !== previous.secretVersion)
      return false;
    this.#items.set(key, WebhookSubscriptionSchema.parse(copy(next)));
    return true;
  }

  async remove(orgId: string, id: string): Promise<void> {
    this.#items.delete(keyOf(orgId, id));
  }
}
