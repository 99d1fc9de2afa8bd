/**
 * The webhook events of an account's content token: `token.expiring` with the expiry alert,
 * `token.expired`, `token.revoked` and `token.claimed_elsewhere` with the status alert. Each is keyed
 * by the account and the fact (the alert is sent once, so is the event).
 */
import type { Account } from '../../domain/account.ts';
import { type PublishDeps, publishEvent } from './webhook-deliveries.ts';

const STATUS_EVENTS = {
  expired: 'token.expired',
  revoked: 'token.revoked',
  'claimed-elsewhere': 'token.claimed_elsewhere',
} as const;

export async function publishTokenEvent(deps: PublishDeps, account: Account, now: Date): Promise<void> {
  const type = STATUS_EVENTS[account.status as keyof typeof STATUS_EVENTS];
  if (!type) return;
  await publishEvent(deps, {
    type,
    orgId: account.orgId,
    accountId: account.id,
    key: `${account.id}:${account.status}:${account.tokenExpiresAt}`,
    data: { accountId: account.id, expiresAt: account.tokenExpiresAt, at: now.toISOString() },
  });
}

export async function publishTokenExpiring(
  deps: PublishDeps,
  account: Account,
  daysLeft: number,
): Promise<void> {
  await publishEvent(deps, {
    type: 'token.expiring',
    orgId: account.orgId,
    accountId: account.id,
    key: `${account.id}:${account.tokenExpiresAt}:${daysLeft}`,
    data: {
      accountId: account.id,
      expiresAt: account.tokenExpiresAt,
      daysLeft,
      at: deps.clock.now().toISOString(),
    },
  });
}
