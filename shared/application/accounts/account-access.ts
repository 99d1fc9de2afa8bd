/**
 * Loads an account for a caller and enforces who may do what with it (SPEC §4): another
 * organisation's account, or one an `admin` is not listed on, does not exist for the caller (404);
 * a role that may see it but not do the thing gets 403.
 */
import type { Account } from '../../domain/account.ts';
import { ForbiddenError, NotFoundError } from '../../domain/errors.ts';
import { canManageAccount, canReadAccount, type Principal } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';

/** `read`: see it; `manage`: users, licences, deployments, sync; `administer`: the account itself (org-admin). */
export type AccountAccess = 'read' | 'manage' | 'administer';

export async function loadAccountFor(
  deps: { accounts: AccountRepository },
  principal: Principal,
  accountId: string,
  access: AccountAccess,
): Promise<Account> {
  const account = await deps.accounts.get(accountId);
  if (!account || account.orgId !== principal.orgId || !canReadAccount(principal, account))
    throw new NotFoundError('Account');
  if (access === 'manage' && !canManageAccount(principal, account)) {
    throw new ForbiddenError('Viewers can read this account but not change it.');
  }
  if (access === 'administer' && principal.role !== 'org-admin') {
    throw new ForbiddenError('Only an org-admin can add, change or remove accounts.');
  }
  return account;
}
