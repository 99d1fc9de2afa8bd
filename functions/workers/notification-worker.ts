/** The notifications queue: Apple's notifications, applied (each asset's counts read once per batch). */
import { applyAppleNotification } from '../../shared/application/notifications/apply-apple-notification.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker('notifications', async (deps, message, delivery) => {
  await applyAppleNotification(deps, message.accountId, message.notification, delivery, message.deferrals);
});
