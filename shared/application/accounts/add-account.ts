/**
 * Adds a VPP account from an uploaded content token (SPEC §4, §5.1).
 * 1. Only an org-admin; parse the file (blank, malformed, expired).
 * 2. Ask Apple about the token (`client/config`): expired, revoked or invalid tokens are refused.
 * 3. Refuse a location this organisation already has, one another organisation of this service
 *    holds (without naming it), and one another MDM holds (naming it) unless `takeOver`.
 * 4. Store the token and a new notification secret in the secret store; write the account and its
 *    location claim in one conditional transaction.
 * 5. Claim the location at Apple (`mdmInfo`, notification URL and secret). Apple tests the URL first,
 *    which needs step 4; if Apple refuses, everything written is removed again.
 * 6. Start the first sync and record the change in the audit log; the answer names the sync's job.
 * Errors: token.blank, token.malformed (400); auth.forbidden (403); token.claimed_elsewhere,
 * token.duplicate_location (409); token.expired, token.revoked, token.invalid (422);
 * account.notification_unreachable (502).
 */
import { type Account, statusFromExpiry } from '../../domain/account.ts';
import { parseAppleDate } from '../../domain/apple-date.ts';
import { ConflictError } from '../../domain/errors.ts';
import { actorOf, type Principal, requireRole } from '../../domain/principal.ts';
import { Secret } from '../../domain/secret.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type JobView, toJobView } from '../jobs/job-view.ts';
import { startSync } from '../sync/start-sync.ts';
import type { AccountDeps } from './account-deps.ts';
import { type AccountView, NO_COUNTS, toAccountView } from './account-view.ts';
import {
  assertNotClaimedElsewhere,
  claimAtApple,
  mdmIdFor,
  readLocation,
  readTokenFile,
} from './claim-location.ts';
import { notificationSecretName, tokenSecretName } from './token-guard.ts';

/** What adding an account answers: the account, and the job of its first sync. */
export type AddedAccountView = AccountView & { syncJob: JobView };

/** The account to add: its name and contact, the `.vpptoken` file's content, who may administer it. */
export interface CreateAccountInput {
  name: string;
  email: string;
  token: string;
  allowedAdmins: string[];
  /** Empty: every network. */
  assignableNetworks: string[];
  /** Claim a location another MDM holds. */
  takeOver: boolean;
}

export async function addAccount(
  deps: AccountDeps,
  principal: Principal,
  input: CreateAccountInput,
): Promise<AddedAccountView> {
  requireRole(principal, 'org-admin');
  const now = deps.clock.now();
  const token = readTokenFile(input.token, now);
  const config = await readLocation(deps, token.secret);

  const claim = await deps.accounts.claimOf(config.uId);
  if (claim && claim.orgId !== principal.orgId) {
    throw new ConflictError(
      'token.claimed_elsewhere',
      'This location is already managed elsewhere and cannot be added here.',
    );
  }
  if (claim) {
    throw new ConflictError(
      'token.duplicate_location',
      `This location is already added as account ${claim.accountId}.`,
      { accountId: claim.accountId },
    );
  }
  const servicePrefix = mdmIdFor(deps.settings.stage, '');
  assertNotClaimedElsewhere(config.mdmInfo, (id) => id.startsWith(servicePrefix), input.takeOver);

  const id = deps.ids.newId();
  // Apple's own expiry wins over the file's (Apple may shorten it).
  const tokenExpiresAt =
    (config.tokenExpirationDate && parseAppleDate(config.tokenExpirationDate)) || token.expiresAt;
  const account: Account = {
    id,
    orgId: principal.orgId,
    name: input.name,
    email: input.email,
    allowedAdmins: [...new Set(input.allowedAdmins)],
    assignableNetworks: [...new Set(input.assignableNetworks)],
    location: {
      uId: config.uId,
      organizationName: token.orgName,
      name: config.locationName ?? token.orgName,
      ...(config.countryISO2ACode ? { countryISO2ACode: config.countryISO2ACode } : {}),
      ...(config.defaultPlatform ? { defaultPlatform: config.defaultPlatform } : {}),
      ...(config.websiteURL ? { websiteURL: config.websiteURL } : {}),
    },
    mdmId: mdmIdFor(deps.settings.stage, id),
    tokenExpiresAt: tokenExpiresAt.toISOString(),
    status: statusFromExpiry(tokenExpiresAt, now),
    expiryAlertsSent: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    createdBy: principal.email,
    version: 0,
  };

  const notificationSecret = new Secret(deps.ids.randomToken(32));
  await deps.secrets.put(tokenSecretName(id), token.secret);
  await deps.secrets.put(notificationSecretName(id), notificationSecret);
  const undo = async () => {
    await deps.secrets.remove(tokenSecretName(id));
    await deps.secrets.remove(notificationSecretName(id));
  };
  const created = await deps.accounts.create(account);
  if (!created.created) {
    await undo();
    throw new ConflictError(
      created.claim.orgId === principal.orgId ? 'token.duplicate_location' : 'token.claimed_elsewhere',
      'This location was added by another request just now.',
    );
  }
  try {
    await claimAtApple(deps, token.secret, id, notificationSecret);
  } catch (error) {
    await deps.accounts.remove(account);
    await undo();
    throw error;
  }

  const actor = actorOf(principal);
  await auditTrail(deps, principal.orgId, actor).account(id, 'account.created', 'succeeded', {
    name: account.name,
    uId: account.location.uId,
    location: account.location.name,
    takeOver: input.takeOver,
  });
  const syncJob = await startSync(deps, { orgId: principal.orgId, accountId: id, full: true, actor });
  return { ...toAccountView(account, undefined, NO_COUNTS), syncJob: toJobView(syncJob) };
}
