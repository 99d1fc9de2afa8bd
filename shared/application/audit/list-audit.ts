/**
 * Reads the audit log of the caller's organisation, newest first. An `admin` sees only entries about
 * the accounts that list them (and the organisation-wide device inventory, which everyone reads).
 */
import { canReadAccount, type Principal } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditEntry, AuditLog } from '../ports/audit-log.ts';

/** The account an entry is about, from its target (`account:<id>`, `asset:<id>/...`, `user:<id>/...`). */
export function accountOfTarget(target: string): string | undefined {
  return /^(?:account|asset|user|deployment):([^/]+)/.exec(target)?.[1];
}

export async function listAudit(
  deps: { audit: AuditLog; accounts: AccountRepository },
  principal: Principal,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
  const cursor = page.cursor ? { cursor: page.cursor } : {};
  if (principal.role !== 'admin') return deps.audit.list(principal.orgId, { limit: page.limit, ...cursor });
  const readable = new Set(
    (await deps.accounts.listByOrg(principal.orgId))
      .filter((a) => canReadAccount(principal, a))
      .map((a) => a.id),
  );
  return deps.audit.list(principal.orgId, { limit: page.limit, ...cursor }, (entry) => {
    const accountId = accountOfTarget(entry.target);
    return accountId === undefined || readable.has(accountId);
  });
}
