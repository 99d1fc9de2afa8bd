/**
 * Every call to Apple for an account goes through here, so the account's status stays true on every
 * Apple answer (SPEC §5.2): a token error, another MDM's `mdmInfo` or a new expiry date updates the
 * status (written only when it changes), and the contact hears at once of an expired, revoked or
 * claimed token. A revoked, claimed or invalid account makes no write to Apple until an admin acts.
 */
import { type Account, BLOCKING_STATUSES, currentStatus, statusFromExpiry } from '../../domain/account.ts';
import { parseAppleDate } from '../../domain/apple-date.ts';
import { ConflictError, RuleViolationError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/principal.ts';
import type { Secret } from '../../domain/secret.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock } from '../ports/clock.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import { isVppError, type VppApiError } from '../ports/vpp-errors.ts';
import type { ResponseMeta } from '../ports/vpp-schemas.ts';
import { publishTokenEvent } from '../webhooks/account-events.ts';
import type { PublishDeps } from '../webhooks/webhook-deliveries.ts';
import { statusAlert } from './account-emails.ts';

export interface TokenGuardDeps extends PublishDeps {
  readonly accounts: AccountRepository;
  readonly secrets: SecretStore;
  readonly audit: AuditLog;
  readonly mailer: Mailer;
  readonly clock: Clock;
}

export const tokenSecretName = (accountId: string) => `accounts/${accountId}/token`;
export const notificationSecretName = (accountId: string) => `accounts/${accountId}/notification-secret`;

const SYSTEM: Actor = { type: 'system', id: 'token-guard' };

/**
 * Updates the account from what Apple said (an answer's metadata or an error). Returns the account as
 * it is now. Writes, audits and e-mails only when the status or expiry actually changed.
 */
export async function observeApple(
  deps: TokenGuardDeps,
  account: Account,
  said: { meta?: ResponseMeta; error?: VppApiError },
  actor: Actor = SYSTEM,
  retries = 3,
): Promise<Account> {
  const now = deps.clock.now();
  let next: Account = { ...account };
  const expiry = said.meta?.tokenExpirationDate ? parseAppleDate(said.meta.tokenExpirationDate) : undefined;
  if (expiry) next.tokenExpiresAt = expiry.toISOString();
  const other = said.meta?.mdmInfo && said.meta.mdmInfo.id !== account.mdmId ? said.meta.mdmInfo : undefined;
  const kind = said.error?.kind;
  if (kind === 'token_expired') next.status = 'expired';
  else if (kind === 'token_revoked') next.status = 'revoked';
  else if (kind === 'token_invalid') next.status = 'invalid';
  else if (other) next = { ...next, status: 'claimed-elsewhere', claimedBy: other.name };
  // A successful answer without another MDM proves the token works and the location is ours.
  else if (said.meta)
    next = { ...next, status: statusFromExpiry(new Date(next.tokenExpiresAt), now), claimedBy: undefined };
  else next.status = currentStatus(next, now);

  if (
    next.status === account.status &&
    next.tokenExpiresAt === account.tokenExpiresAt &&
    next.claimedBy === account.claimedBy
  ) {
    return account;
  }
  const alert =
    next.status !== account.status && next.statusAlerted !== next.status
      ? statusAlert(next, next.status)
      : undefined;
  if (alert) next.statusAlerted = next.status;
  next = { ...next, updatedAt: now.toISOString() };
  try {
    await deps.accounts.update(next, account);
  } catch (error) {
    // Someone changed the account meanwhile (a rename, another worker): apply the same facts to theirs.
    const fresh =
      error instanceof ConflictError && retries > 0 ? await deps.accounts.get(account.id) : undefined;
    if (!fresh) throw error;
    return observeApple(deps, fresh, said, actor, retries - 1);
  }
  if (next.status !== account.status) {
    await auditTrail(deps, account.orgId, actor).account(account.id, 'account.status_changed', 'succeeded', {
      from: account.status,
      to: next.status,
      ...(next.claimedBy ? { claimedBy: next.claimedBy } : {}),
    });
  }
  if (alert) await deps.mailer.send(alert);
  if (alert) await publishTokenEvent(deps, next, now);
  return next;
}

/**
 * Runs `call` with the account's token. Writes are refused while the account is blocked. A token
 * error from Apple updates the account before it is passed on.
 */
export async function withAccountToken<T>(
  deps: TokenGuardDeps,
  account: Account,
  mode: 'read' | 'write',
  call: (token: Secret) => Promise<T>,
  actor: Actor = SYSTEM,
): Promise<T> {
  if (mode === 'write' && BLOCKING_STATUSES.has(account.status)) {
    throw new RuleViolationError(
      `account.${account.status.replace('-', '_')}`,
      account.status === 'claimed-elsewhere'
        ? `Another MDM${account.claimedBy ? ` (${account.claimedBy})` : ''} manages this location now, so VPP Manager makes no changes at Apple. Re-claim it with PUT /v1/accounts/${account.id}/token and takeOver.`
        : `The content token is ${account.status}: upload a new one with PUT /v1/accounts/${account.id}/token.`,
    );
  }
  const token = await deps.secrets.get(tokenSecretName(account.id));
  if (!token)
    throw new RuleViolationError(
      'account.token_missing',
      'The content token of this account is missing: upload it again.',
    );
  try {
    return await call(token);
  } catch (error) {
    if (isVppError(error) && error.isTokenProblem) await observeApple(deps, account, { error }, actor);
    throw error;
  }
}
