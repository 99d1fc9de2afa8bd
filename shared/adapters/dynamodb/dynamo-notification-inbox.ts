/** `NotificationInbox` on the core table, kept a week (TTL): Apple retries within minutes. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../application/ports/clock.ts';
import type { NotificationInbox } from '../../application/ports/notification-inbox.ts';

const RETENTION_SECONDS = 7 * 24 * 3600;
const key = (accountId: string, notificationId: string) => ({
  pk: `NOTIFICATION#${accountId}#${notificationId}`,
  sk: 'SEEN',
});

export class DynamoNotificationInbox implements NotificationInbox {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(db: DynamoDBDocumentClient, table: string, clock: Clock) {
    this.#db = db;
    this.#table = table;
    this.#clock = clock;
  }

  async seen(accountId: string, notificationId: string): Promise<boolean> {
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key(accountId, notificationId) }),
    );
    // DynamoDB deletes expired items late (and DynamoDB Local never): check the TTL too.
    return answer.Item !== undefined && Number(answer.Item.ttl) > this.#clock.now().getTime() / 1000;
  }

  async markSeen(accountId: string, notificationId: string): Promise<void> {
    const ttl = Math.floor(this.#clock.now().getTime() / 1000) + RETENTION_SECONDS;
    await this.#db.send(
      new PutCommand({ TableName: this.#table, Item: { ...key(accountId, notificationId), ttl } }),
    );
  }
}
