/** Notification ids seen, each kept a week (by the clock), as the table's TTL keeps them. */
import type { Clock } from '../../../shared/application/ports/clock.ts';
import type { NotificationInbox } from '../../../shared/application/ports/notification-inbox.ts';

const RETENTION_SECONDS = 7 * 24 * 3600;

export class MemoryNotificationInbox implements NotificationInbox {
  /** `accountId|notificationId` → expiry (epoch seconds). */
  readonly #seen = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async seen(accountId: string, notificationId: string): Promise<boolean> {
    const ttl = this.#seen.get(`${accountId}|${notificationId}`);
    return ttl !== undefined && ttl > this.#clock.now().getTime() / 1000;
  }

  async markSeen(accountId: string, notificationId: string): Promise<void> {
    this.#seen.set(
      `${accountId}|${notificationId}`,
      Math.floor(this.#clock.now().getTime() / 1000) + RETENTION_SECONDS,
    );
  }
}
