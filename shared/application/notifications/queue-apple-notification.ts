/**
 * Apple's notification endpoint (SPEC §5.6), kept fast because Apple waits for it:
 * 1. Only the account's bearer secret, compared in constant time; anything else is 401, saying nothing.
 * 2. The envelope must parse; `TEST_NOTIFICATION` is answered at once.
 * 3. A `notificationId` already taken in is dropped; the rest is queued for the notification worker,
 *    then marked as seen (queued first: a crash in between gives a duplicate, which workers absorb,
 *    never a loss).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { notificationSecretName } from '../accounts/token-guard.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { NotificationInbox } from '../ports/notification-inbox.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import { NotificationSchema } from '../ports/vpp-schemas.ts';

export interface NotificationDeps {
  readonly accounts: AccountRepository;
  readonly secrets: SecretStore;
  readonly inbox: NotificationInbox;
  readonly queue: MessageQueue;
  readonly clock: Clock;
}

export type NotificationOutcome = 'unauthorized' | 'malformed' | 'test' | 'duplicate' | 'queued';

const digest = (value: string) => createHash('sha256').update(value).digest();

export async function queueAppleNotification(
  deps: NotificationDeps,
  input: { accountId: string; authorization: string | undefined; body: string },
): Promise<NotificationOutcome> {
  const bearer = /^Bearer (.+)$/.exec(input.authorization ?? '')?.[1];
  const account = bearer ? await deps.accounts.get(input.accountId) : undefined;
  const secret = account ? await deps.secrets.get(notificationSecretName(account.id)) : undefined;
  // Equal-length digests: the comparison takes the same time whatever was sent.
  if (!bearer || !secret || !timingSafeEqual(digest(bearer), digest(secret.reveal()))) return 'unauthorized';

  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch {
    return 'malformed';
  }
  const parsed = NotificationSchema.safeParse(json);
  if (!parsed.success) return 'malformed';
  const notification = parsed.data;
  if (notification.notificationType === 'TEST_NOTIFICATION') return 'test';
  if (await deps.inbox.seen(input.accountId, notification.notificationId)) return 'duplicate';
  await deps.queue.send('notifications', {
    accountId: input.accountId,
    receivedAt: deps.clock.now().toISOString(),
    notification: json,
  });
  await deps.inbox.markSeen(input.accountId, notification.notificationId);
  return 'queued';
}
