/**
 * Reading, changing, renewing and removing accounts (SPEC §4 accounts).
 * - list/get: what the caller may see (admins: accounts that list them), with status and counts.
 * - update: org-admin; name, contact e-mail, allowed admins, assignable networks.
 * - renewToken: org-admin; a token of the same location only (409 token.location_mismatch); a
 *   location another MDM took is re-claimed only with `takeOver`; the status starts afresh.
 * - removeAccount: org-admin; the token and notification secret are scheduled for deletion, the
 *   location is released; Apple's assignments stay and the answer says how many.
 * - startAccountSync: admins of the account too; a job.
 */
import { statusFromExpiry } from '../../domain/account.ts';
import { parseAppleDate } from '../../domain/apple-date.ts';
import { ConflictError } from '../../domain/errors.ts';
import { actorOf, canReadAccount, type Principal } from '../../domain/principal.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type StartedJob, toStartedJob } from '../jobs/job-view.ts';
import { startSync } from '../sync/start-sync.ts';
import { loadAccountFor } from './account-access.ts';
import type { AccountDeps } from './account-deps.ts';
import { type AccountView, readAccountView } from './account-view.ts';
import { assertNotClaimedElsewhere, claimAtApple, readLocation, readTokenFile } from './claim-location.ts';
import { notificationSecretName, tokenSecretName } from './token-guard.ts';

/** What may change on an account (at least one of them). */
export interface UpdateAccountInput {
  name?: string;
  email?: string;
  allowedAdmins?: string[];
  assignableNetworks?: string[];
}

/** A renewed `.vpptoken` file's content; `takeOver` re-claims a location another MDM took. */
export interface RenewTokenInput {
  token: string;
  takeOver: boolean;
}

/** A removed account, and how many licences Apple still has assigned (as last known). */
export interface AccountRemoval {
  id: string;
  removed: true;
  assignmentsKeptAtApple: number;
}

export async function listAccounts(deps: AccountDeps, principal: Principal): Promise<AccountView[]> {
  const accounts = (await deps.accounts.listByOrg(principal.orgId)).filter((a) =>
    canReadAccount(principal, a),
  );
  const views: AccountView[] = [];
  for (const account of accounts.sort((a, b) => a.name.localeCompare(b.name))) {
    views.push(await readAccountView(deps, account));
  }
  return views;
}

export async function getAccount(
  deps: AccountDeps,
  principal: Principal,
  accountId: string,
): Promise<AccountView> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  return await readAccountView(deps, account);
}

export async function updateAccount(
  deps: AccountDeps,
  principal: Principal,
  accountId: string,
  changes: UpdateAccountInput,
): Promise<AccountView> {
  const account = await loadAccountFor(deps, principal, accountId, 'administer');
  const next = {
    ...account,
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.email !== undefined ? { email: changes.email } : {}),
    ...(changes.allowedAdmins !== undefined ? { allowedAdmins: [...new Set(changes.allowedAdmins)] } : {}),
    ...(changes.assignableNetworks !== undefined
      ? { assignableNetworks: [...new Set(changes.assignableNetworks)] }
      : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.accounts.update(next, account);
  const trail = auditTrail(deps, principal.orgId, actorOf(principal));
  await trail.account(account.id, 'account.updated', 'succeeded', { changed: Object.keys(changes) });
  return await readAccountView(deps, next);
}

export async function renewToken(
  deps: AccountDeps,
  principal: Principal,
  accountId: string,
  input: RenewTokenInput,
): Promise<AccountView> {
  const account = await loadAccountFor(deps, principal, accountId, 'administer');
  const now = deps.clock.now();
  const token = readTokenFile(input.token, now);
  const config = await readLocation(deps, token.secret);
  if (config.uId !== account.location.uId) {
    throw new ConflictError(
      'token.location_mismatch',
      `This token belongs to another location (${config.locationName ?? config.uId}), not to "${account.location.name}". Add it as a new account instead.`,
    );
  }
  assertNotClaimedElsewhere(config.mdmInfo, (id) => id === account.mdmId, input.takeOver);

  const previous = await deps.secrets.get(tokenSecretName(account.id));
  const notificationSecret = await deps.secrets.get(notificationSecretName(account.id));
  if (!notificationSecret)
    throw new ConflictError(
      'account.incomplete',
      'This account lost its notification secret: remove it and add it again.',
    );
  await deps.secrets.put(tokenSecretName(account.id), token.secret);
  try {
    await claimAtApple(deps, token.secret, account.id, notificationSecret);
  } catch (error) {
    if (previous) await deps.secrets.put(tokenSecretName(account.id), previous);
    throw error;
  }
  const expiresAt =
    (config.tokenExpirationDate && parseAppleDate(config.tokenExpirationDate)) || token.expiresAt;
  const next = {
    ...account,
    tokenExpiresAt: expiresAt.toISOString(),
    status: statusFromExpiry(expiresAt, now),
    claimedBy: undefined,
    expiryAlertsSent: [],
    statusAlerted: undefined,
    updatedAt: now.toISOString(),
  };
  await deps.accounts.update(next, account);
  const trail = auditTrail(deps, principal.orgId, actorOf(principal));
  await trail.account(account.id, 'account.token_renewed', 'succeeded', {
    takeOver: input.takeOver,
    previousStatus: account.status,
    tokenExpiresAt: next.tokenExpiresAt,
  });
  return await readAccountView(deps, next);
}

export async function removeAccount(
  deps: AccountDeps,
  principal: Principal,
  accountId: string,
): Promise<AccountRemoval> {
  const account = await loadAccountFor(deps, principal, accountId, 'administer');
  const sync = await deps.syncStates.get(account.id);
  await deps.accounts.remove(account);
  await deps.secrets.remove(tokenSecretName(account.id));
  await deps.secrets.remove(notificationSecretName(account.id));
  await deps.syncStates.remove(account.id);
  // Our copy of its assets, users and licences goes in the background (Apple's stays as it is).
  await deps.queue.send('jobs', { type: 'account-purge', orgId: account.orgId, accountId: account.id });
  const kept = sync?.counts.assignments ?? 0;
  const trail = auditTrail(deps, principal.orgId, actorOf(principal));
  await trail.account(account.id, 'account.removed', 'succeeded', {
    name: account.name,
    uId: account.location.uId,
    assignmentsKeptAtApple: kept,
  });
  return { id: account.id, removed: true, assignmentsKeptAtApple: kept };
}

export async function startAccountSync(
  deps: AccountDeps,
  principal: Principal,
  accountId: string,
  full: boolean,
): Promise<StartedJob> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const actor = actorOf(principal);
  const job = await startSync(deps, { orgId: account.orgId, accountId: account.id, full, actor });
  await auditTrail(deps, account.orgId, actor).account(account.id, 'account.sync_requested', 'accepted', {
    full,
    jobId: job.id,
  });
  return toStartedJob(job);
}
