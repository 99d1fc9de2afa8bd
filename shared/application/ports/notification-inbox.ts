/** Apple's notifications already taken in, by `notificationId`, so a repeated delivery is dropped. */
export interface NotificationInbox {
  seen(accountId: string, notificationId: string): Promise<boolean>;
  markSeen(accountId: string, notificationId: string): Promise<void>;
}
