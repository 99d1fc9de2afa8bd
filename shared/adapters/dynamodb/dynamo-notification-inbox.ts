/** `NotificationInbox` on the core table, kept a week (TTL): Apple retries within minutes. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationInbox } from '../../application/ports/notification-inbox.ts';
import { keys } from './keys.ts';
import { ClockedDynamoTable } from './table.ts';

const RETENTION_SECONDS = 7 * 24 * 3600;

export class DynamoNotificationInbox extends ClockedDynamoTable implements NotificationInbox {
  async seen(accountId: string, notificationId: string): Promise<boolean> {
    const answer = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.notification(accountId, notificationId) }),
    );
    // DynamoDB deletes expired items late (and DynamoDB Local never): check the TTL too.
    return answer.Item !== undefined && Number(answer.Item.ttl) > this.clock.now().getTime() / 1000;
  }

  async markSeen(accountId: string, notificationId: string): Promise<void> {
    const ttl = Math.floor(this.clock.now().getTime() / 1000) + RETENTION_SECONDS;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.notification(accountId, notificationId), ttl },
      }),
    );
  }
}
