/**
 * The account's own sync record: where the last incremental reads stopped (Apple's `versionId`s),
 * when the last full pass ran, and the holdings it found. A sync with nothing new writes only this.
 * (The account's `counts` of assets, licences and users are the repositories' summaries.)
 */
export interface SyncCounts {
  /** The holdings Apple listed at the last sync (what removing the account leaves at Apple). */
  readonly assignments: number;
}

export interface SyncState {
  readonly accountId: string;
  readonly usersVersionId?: string;
  readonly assignmentsVersionId?: string;
  readonly lastSyncAt?: string;
  readonly lastFullSyncAt?: string;
  readonly lastJobId?: string;
  readonly counts: SyncCounts;
}

export const EMPTY_COUNTS: SyncCounts = { assignments: 0 };

export interface SyncStateRepository {
  get(accountId: string): Promise<SyncState | undefined>;
  put(state: SyncState): Promise<void>;
  remove(accountId: string): Promise<void>;
}
