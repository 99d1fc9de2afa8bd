/**
 * `WebhookRepository` on the core table: `ORG#<org>#WEBHOOKS`/`WEBHOOK#<id>`, so a subscription is only
 * ever read inside its organisation's partition (another organisation's id is simply not there).
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookRepository } from '../../application/ports/webhook-repository.ts';
import { type WebhookSubscription, WebhookSubscriptionSchema } from '../../domain/webhook.ts';
import { queryAll } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { keys, sortPrefix, webhooksPartition } from './keys.ts';
import { DynamoTable } from './table.ts';

export class DynamoWebhookRepository extends DynamoTable implements WebhookRepository {
  async create(subscription: WebhookSubscription): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: this.#item(subscription),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(orgId: string, id: string): Promise<WebhookSubscription | undefined> {
    return this.getItem(keys.webhook(orgId, id), WebhookSubscriptionSchema);
  }

  async listByOrg(orgId: string): Promise<WebhookSubscription[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': webhooksPartition(orgId), ':sk': sortPrefix.webhooks },
      ConsistentRead: true,
    });
    return items
      .map((item) => WebhookSubscriptionSchema.parse(item))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async update(next: WebhookSubscription, previous: WebhookSubscription): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.#item(next),
          ConditionExpression: 'updatedAt = :u AND secretVersion = :v',
          ExpressionAttributeValues: { ':u': previous.updatedAt, ':v': previous.secretVersion },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async remove(orgId: string, id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.webhook(orgId, id) }));
  }

  #item(subscription: WebhookSubscription): Record<string, unknown> {
    // Parsed on the way in too: only the record's own fields are stored (never a secret).
    return {
      ...keys.webhook(subscription.orgId, subscription.id),
      ...WebhookSubscriptionSchema.parse(subscription),
    };
  }
}
