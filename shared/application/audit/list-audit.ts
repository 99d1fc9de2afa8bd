/**
 * Reads the audit log of the caller's organisation, newest first, filtered by who did it (`actor`: a
 * person's e-mail, or the id of a schedule, Apple or the system), what (`action`: one action, or a
 * family such as `license` for every `license.*`), the account it is about, and a time range. An
 * `admin` sees only entries about the accounts that list them (and the organisation-wide device
 * inventory, which everyone reads).
 */
import { canReadAccount, type Principal } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditEntry, AuditLog } from '../ports/audit-log.ts';

/** The account an entry is about, from its target (`account:<id>`, `asset:<id>/...`, `user:<id>/...`). */
export function accountOfTarget(target: string): string | undefined {
  return /^(?:account|asset|user|deployment):([^/]+)/.exec(target)?.[1];
}

export interface AuditFilters {
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly accountId?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** Whether an entry matches the filters that are not a time range (the log reads the range itself). */
export function matchesAudit(entry: AuditEntry, filters: AuditFilters): boolean {
  const { actor, action, accountId } = filters;
  if (actor !== undefined) {
    const who = entry.actor.type === 'user' ? entry.actor.email.toLowerCase() : entry.actor.id;
    if (who !== (entry.actor.type === 'user' ? actor.toLowerCase() : actor)) return false;
  }
  if (action !== undefined && entry.action !== action && !entry.action.startsWith(`${action}.`)) return false;
  if (accountId !== undefined && accountOfTarget(entry.target) !== accountId) return false;
  return true;
}

export async function listAudit(
  deps: { audit: AuditLog; accounts: AccountRepository },
  principal: Principal,
  query: { limit: number; cursor?: string | undefined } & AuditFilters,
): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
  const page = {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  };
  const readable =
    principal.role === 'admin'
      ? new Set(
          (await deps.accounts.listByOrg(principal.orgId))
            .filter((a) => canReadAccount(principal, a))
            .map((a) => a.id),
        )
      : undefined;
  const filtered = query.actor !== undefined || query.action !== undefined || query.accountId !== undefined;
  if (!readable && !filtered) return deps.audit.list(principal.orgId, page);
  return deps.audit.list(principal.orgId, page, (entry) => {
    if (!matchesAudit(entry, query)) return false;
    if (!readable) return true;
    const accountId = accountOfTarget(entry.target);
    return accountId === undefined || readable.has(accountId);
  });
}
