/**
 * The daily token-health check (SPEC §5.2), for every account of every organisation:
 * 1. Ask Apple (`client/config`); the answer or the error keeps the status true (token-guard).
 * 2. If the token expires within 30, 14, 7, 3 or 1 days, e-mail the contact once per threshold, naming
 *    the days actually left.
 * Writes only what changed. One account's failure does not stop the others.
 */
import { type Account, dueExpiryAlert } from '../../domain/account.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/principal.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import { publishTokenExpiring } from '../webhooks/account-events.ts';
import type { AccountDeps } from './account-deps.ts';
import { expiryWarning } from './account-emails.ts';
import { observeApple, withAccountToken } from './token-guard.ts';

const SCHEDULE: Actor = { type: 'schedule', id: 'token-health' };

export interface TokenHealthReport {
  readonly checked: number;
  readonly statusChanges: number;
  readonly alertsSent: number;
  readonly errors: { accountId: string; reason: string }[];
}

async function checkOne(
  deps: AccountDeps,
  original: Account,
): Promise<{ statusChanged: boolean; alertSent: boolean }> {
  let account = original;
  try {
    const config = await withAccountToken(
      deps,
      account,
      'read',
      (token) => deps.vpp.getClientConfig(token),
      SCHEDULE,
    );
    account = await observeApple(deps, account, { meta: config }, SCHEDULE);
  } catch (error) {
    if (!isVppError(error) || !error.isTokenProblem) throw error;
    account = (await deps.accounts.get(original.id)) ?? account;
  }
  const due =
    account.status === 'active' || account.status === 'expiring'
      ? dueExpiryAlert(account, deps.clock.now())
      : undefined;
  if (due) {
    const next = {
      ...account,
      expiryAlertsSent: [...new Set([...account.expiryAlertsSent, ...due.markSent])].sort((a, b) => b - a),
      updatedAt: deps.clock.now().toISOString(),
    };
    // Marked first: a conflict here retries the check, and the e-mail is never sent twice.
    await deps.accounts.update(next, account);
    await deps.mailer.send(expiryWarning(account, due.daysLeft));
    await publishTokenExpiring(deps, account, due.daysLeft);
    const trail = auditTrail(deps, account.orgId, SCHEDULE);
    await trail.account(account.id, 'account.expiry_alert_sent', 'succeeded', {
      daysLeft: due.daysLeft,
      thresholds: due.markSent,
      to: account.email,
    });
  }
  return { statusChanged: account.status !== original.status, alertSent: due !== undefined };
}

export async function checkTokenHealth(deps: AccountDeps): Promise<TokenHealthReport> {
  const report = {
    checked: 0,
    statusChanges: 0,
    alertsSent: 0,
    errors: [] as { accountId: string; reason: string }[],
  };
  for (const listed of await deps.accounts.listAll()) {
    report.checked++;
    // A concurrent change of the account (a sync noticing the same thing) makes the write conflict:
    // read it again and check again.
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await checkOne(deps, (await deps.accounts.get(listed.id)) ?? listed);
        if (outcome.statusChanged) report.statusChanges++;
        if (outcome.alertSent) report.alertsSent++;
        break;
      } catch (error) {
        if (error instanceof ConflictError && attempt < 3) continue;
        report.errors.push({
          accountId: listed.id,
          reason: error instanceof Error ? error.message : 'unknown error',
        });
        break;
      }
    }
  }
  return report;
}
