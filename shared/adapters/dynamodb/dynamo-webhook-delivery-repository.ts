/**
 * `WebhookDeliveryRepository` on the core table: `ORG#<org>#WEBHOOK#<id>#DELIVERIES`/`DELIVERY#<id>`,
 * each record expiring (`ttl`) 30 days after it was made.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookDeliveryRepository } from '../../application/ports/webhook-delivery-repository.ts';
import { type WebhookDelivery, WebhookDeliverySchema } from '../../domain/webhook-event.ts';
import { queryAll } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { keys, sortPrefix, webhookDeliveriesPartition } from './keys.ts';
import { DynamoTable } from './table.ts';

const KEPT_DAYS = 30;

export class DynamoWebhookDeliveryRepository extends DynamoTable implements WebhookDeliveryRepository {
  async create(delivery: WebhookDelivery): Promise<boolean> {
    return this.#put(delivery, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async get(orgId: string, webhookId: string, id: string): Promise<WebhookDelivery | undefined> {
    return this.getItem(keys.webhookDelivery(orgId, webhookId, id), WebhookDeliverySchema);
  }

  async update(next: WebhookDelivery, previousAttempts: number): Promise<boolean> {
    return this.#put(next, {
      ConditionExpression: 'attempts = :a',
      ExpressionAttributeValues: { ':a': previousAttempts },
    });
  }

  async listByWebhook(orgId: string, webhookId: string): Promise<WebhookDelivery[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: {
        ':pk': webhookDeliveriesPartition(orgId, webhookId),
        ':sk': sortPrefix.webhookDeliveries,
      },
      ConsistentRead: true,
    });
    return items.map((item) => WebhookDeliverySchema.parse(item));
  }

  async #put(delivery: WebhookDelivery, condition: Record<string, unknown>): Promise<boolean> {
    const parsed = WebhookDeliverySchema.parse(delivery);
    const ttl = Math.floor(new Date(parsed.createdAt).getTime() / 1000) + KEPT_DAYS * 86_400;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.webhookDelivery(parsed.orgId, parsed.webhookId, parsed.id), ...parsed, ttl },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}
