/**
 * The webhook events of an account's content token: `token.expiring` with the expiry alert,
 * `token.expired`, `token.revoked` and `token.claimed_elsewhere` with the status alert. Each is keyed
 * by the account and the fact (the alert is sent once, so is the event). And the users events, one
 * per step with its users in a list.
 */
import type { Account } from '../../domain/account.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
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

/** One event for the users of one step (an invitation batch, a retirement, a sync); none: nothing. */
export async function publishUsersEvent(
  deps: PublishDeps,
  type: 'user.invited' | 'user.associated' | 'user.retired',
  account: Pick<Account, 'id' | 'orgId'>,
  users: readonly VppUser[],
  /** What makes the step the same when it runs again (its jobs). */
  step?: string,
): Promise<void> {
  if (users.length === 0) return;
  const at = deps.clock.now().toISOString();
  await publishEvent(deps, {
    type,
    orgId: account.orgId,
    accountId: account.id,
    ...(step
      ? {
          key: `${account.id}:${step}:${users
            .map((u) => u.id)
            .sort()
            .join(',')}`,
        }
      : {}),
    data: {
      users: users.map((u) => ({
        userId: u.id,
        ...(u.email ? { email: u.email } : {}),
        at,
      })),
    },
  });
}
