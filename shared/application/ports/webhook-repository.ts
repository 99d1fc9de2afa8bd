/** An organisation's webhook subscriptions (never their secrets: those are in the `SecretStore`). */
import type { WebhookSubscription } from '../../domain/webhook.ts';

export interface WebhookRepository {
  /** Stores a new subscription (its id is new: a second create of one id is an invariant violation). */
  create(subscription: WebhookSubscription): Promise<void>;
  /** The organisation's subscription `id`; another organisation's is not found. */
  get(orgId: string, id: string): Promise<WebhookSubscription | undefined>;
  /** Every subscription of the organisation, oldest first. */
  listByOrg(orgId: string): Promise<WebhookSubscription[]>;
  /**
   * Replaces `previous` by `next` only if it is still as read (same `updatedAt` and secret version);
   * false when it changed or went meanwhile.
   */
  update(next: WebhookSubscription, previous: WebhookSubscription): Promise<boolean>;
  remove(orgId: string, id: string): Promise<void>;
}
