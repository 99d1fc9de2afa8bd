/**
 * An account as answers show it: its fields, its location, the last sync and its counts (read from
 * the summaries the asset and user repositories keep with every change: never a scan).
 */
import type { Account, AccountStatus } from '../../domain/account.ts';
import { type AccountCounts, NO_ASSETS } from '../../domain/account-counts.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { SyncState, SyncStateRepository } from '../ports/sync-state-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';

export interface AccountView {
  id: string;
  name: string;
  email: string;
  allowedAdmins: string[];
  /** Empty: every network. */
  assignableNetworks: string[];
  status: AccountStatus;
  /** The other MDM, when status is claimed-elsewhere. */
  claimedBy?: string;
  location: {
    uId: string;
    name: string;
    organizationName: string;
    countryISO2ACode?: string;
    websiteURL?: string;
  };
  tokenExpiresAt: string;
  /** The last sync that completed. */
  lastSync: { at: string; jobId?: string; full: boolean } | null;
  counts: { assets: number; licenses: { total: number; assigned: number; available: number }; users: number };
  createdAt: string;
  updatedAt: string;
}

/** The counts of an account with nothing in it yet. */
export const NO_COUNTS: AccountCounts = { ...NO_ASSETS, users: 0 };

export interface AccountViewDeps {
  readonly syncStates: Pick<SyncStateRepository, 'get'>;
  readonly assets: Pick<AssetRepository, 'totals'>;
  readonly users: Pick<UserRepository, 'countNotRetired'>;
}

/** The account as answers show it, with its last sync and its counts as they are now. */
export async function readAccountView(deps: AccountViewDeps, account: Account): Promise<AccountView> {
  const [sync, totals, users] = await Promise.all([
    deps.syncStates.get(account.id),
    deps.assets.totals(account.id),
    deps.users.countNotRetired(account.id),
  ]);
  return toAccountView(account, sync, { ...totals, users });
}

export function toAccountView(
  account: Account,
  sync: SyncState | undefined,
  counts: AccountCounts,
): AccountView {
  return {
    id: account.id,
    name: account.name,
    email: account.email,
    allowedAdmins: account.allowedAdmins,
    assignableNetworks: account.assignableNetworks,
    status: account.status,
    ...(account.claimedBy && account.status === 'claimed-elsewhere' ? { claimedBy: account.claimedBy } : {}),
    location: {
      uId: account.location.uId,
      name: account.location.name,
      organizationName: account.location.organizationName,
      ...(account.location.countryISO2ACode ? { countryISO2ACode: account.location.countryISO2ACode } : {}),
      ...(account.location.websiteURL ? { websiteURL: account.location.websiteURL } : {}),
    },
    tokenExpiresAt: account.tokenExpiresAt,
    lastSync: sync?.lastSyncAt
      ? {
          at: sync.lastSyncAt,
          ...(sync.lastJobId ? { jobId: sync.lastJobId } : {}),
          full: sync.lastSyncAt === sync.lastFullSyncAt,
        }
      : null,
    counts: { assets: counts.assets, licenses: { ...counts.licenses }, users: counts.users },
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}
