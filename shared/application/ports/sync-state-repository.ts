/**
 * The account's own sync record: where the last incremental reads stopped (Apple's `versionId`s),
 * when the last full pass ran, and the counts it found. A sync with nothing new writes only this.
 */
export interface SyncCounts {
  readonly assets: number;
  readonly licenses: { readonly total: number; readonly assigned: number; readonly available: number };
  readonly users: number;
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

export const EMPTY_COUNTS: SyncCounts = {
  assets: 0,
  licenses: { total: 0, assigned: 0, available: 0 },
  users: 0,
  assignments: 0,
};

export interface SyncStateRepository {
  get(accountId: string): Promise<SyncState | undefined>;
  put(state: SyncState): Promise<void>;
  remove(accountId: string): Promise<void>;
}
