/** VPP accounts: add, list, read, change, renew the token, remove, sync now. */
import {
  createAccount,
  getAccount,
  listAccounts,
  removeAccount,
  renewToken,
  syncAccount,
  updateAccount,
} from '../../shared/api/accounts.ts';
import { addAccount } from '../../shared/application/accounts/add-account.ts';
import * as accounts from '../../shared/application/accounts/manage-accounts.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(createAccount, async ({ deps, principal, body }) => ({
    status: 201,
    body: await addAccount(deps, principal, body),
  })),
  bind(listAccounts, async ({ deps, principal }) => ({
    body: { items: await accounts.listAccounts(deps, principal) },
  })),
  bind(getAccount, async ({ deps, principal, params }) => ({
    body: await accounts.getAccount(deps, principal, params.accountId),
  })),
  bind(updateAccount, async ({ deps, principal, params, body }) => ({
    body: await accounts.updateAccount(deps, principal, params.accountId, body),
  })),
  bind(renewToken, async ({ deps, principal, params, body }) => ({
    body: await accounts.renewToken(deps, principal, params.accountId, body),
  })),
  bind(removeAccount, async ({ deps, principal, params }) => ({
    body: await accounts.removeAccount(deps, principal, params.accountId),
  })),
  bind(syncAccount, async ({ deps, principal, params, query }) => ({
    status: 202,
    body: await accounts.startAccountSync(deps, principal, params.accountId, query.full),
  })),
);
