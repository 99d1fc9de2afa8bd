/**
 * What an account's `counts` are (issue 14): `assets` its number of assets; `licenses.*` the sums of
 * Apple's counts over its assets that are not unlimited; `users` its users that are not `Retired`.
 * The repositories keep them in a summary written with every change of an asset or a user (the
 * change each record makes, below), so reading them never scans the data.
 */
import type { AssetRecord } from './asset.ts';
import type { VppUser } from './vpp-user.ts';

export interface LicenseTotals {
  readonly total: number;
  readonly assigned: number;
  readonly available: number;
}

/** What the assets of an account add up to. */
export interface AssetTotals {
  readonly assets: number;
  readonly licenses: LicenseTotals;
}

export interface AccountCounts extends AssetTotals {
  readonly users: number;
}

export const NO_ASSETS: AssetTotals = { assets: 0, licenses: { total: 0, assigned: 0, available: 0 } };

type CountedAsset = Pick<AssetRecord, 'unlimited' | 'totalCount' | 'assignedCount' | 'availableCount'>;

/** What one asset adds to its account's totals (nothing: no asset). */
export function assetTotalsOf(asset: CountedAsset | undefined): AssetTotals {
  if (!asset) return NO_ASSETS;
  if (asset.unlimited) return { ...NO_ASSETS, assets: 1 };
  return {
    assets: 1,
    licenses: { total: asset.totalCount, assigned: asset.assignedCount, available: asset.availableCount },
  };
}

/** How the account's totals move when an asset goes from `before` to `after` (undefined: none). */
export function assetTotalsChange(
  before: CountedAsset | undefined,
  after: CountedAsset | undefined,
): AssetTotals {
  const a = assetTotalsOf(after);
  const b = assetTotalsOf(before);
  return {
    assets: a.assets - b.assets,
    licenses: {
      total: a.licenses.total - b.licenses.total,
      assigned: a.licenses.assigned - b.licenses.assigned,
      available: a.licenses.available - b.licenses.available,
    },
  };
}

export const noTotalsChange = (t: AssetTotals): boolean =>
  t.assets === 0 && t.licenses.total === 0 && t.licenses.assigned === 0 && t.licenses.available === 0;

/** Whether a user counts in `counts.users`: every user but the retired ones. */
export const userCounts = (user: Pick<VppUser, 'status'> | undefined): boolean =>
  user !== undefined && user.status !== 'Retired';

/** How `counts.users` moves when a user goes from `before` to `after` (undefined: none). */
export const userCountChange = (
  before: Pick<VppUser, 'status'> | undefined,
  after: Pick<VppUser, 'status'> | undefined,
): number => Number(userCounts(after)) - Number(userCounts(before));

/** The counts by their definition, from the whole lists (what the summaries must always equal). */
export function countsOf(
  assets: readonly CountedAsset[],
  users: readonly Pick<VppUser, 'status'>[],
): AccountCounts {
  const totals = assets.map(assetTotalsOf);
  return {
    assets: totals.reduce((n, t) => n + t.assets, 0),
    licenses: {
      total: totals.reduce((n, t) => n + t.licenses.total, 0),
      assigned: totals.reduce((n, t) => n + t.licenses.assigned, 0),
      available: totals.reduce((n, t) => n + t.licenses.available, 0),
    },
    users: users.filter(userCounts).length,
  };
}
