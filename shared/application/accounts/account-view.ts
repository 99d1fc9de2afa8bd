/** An account as answers show it: its fields, its location, the last sync and the counts it found. */
import type { Account, AccountStatus } from '../../domain/account.ts';
import { EMPTY_COUNTS, type SyncState } from '../ports/sync-state-repository.ts';

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

export function toAccountView(account: Account, sync: SyncState | undefined): AccountView {
  const counts = sync?.counts ?? EMPTY_COUNTS;
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
    counts: { assets: counts.assets, licenses: counts.licenses, users: counts.users },
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}
