/**
 * An app or book of an account, identified by (`adamId`, `pricingParam`), with Apple's counts as Apple
 * last said them (re-read from Apple, never moved by deltas: SPEC §5.6) and our `pendingCount`:
 * licences reserved by grants in flight. Free licences = min(available, total − assigned) − pending.
 * `holderCount` is ours too: the holders our records show, compared with Apple's `assignedCount` after
 * every sync to find drift without reading any assignment (`checkDrift` in apple-records.ts).
 */
import * as z from 'zod';

export const PricingParamSchema = z.enum(['STDQ', 'PLUS']);
export type PricingParam = z.infer<typeof PricingParamSchema>;

export const AssetRecordSchema = z.object({
  accountId: z.string(),
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  productType: z.enum(['App', 'Book']),
  name: z.string().optional(),
  iconUrl: z.string().optional(),
  deviceAssignable: z.boolean(),
  revocable: z.boolean(),
  supportedPlatforms: z.array(z.string()),
  unlimited: z.boolean(),
  totalCount: z.number().int(),
  assignedCount: z.number().int(),
  availableCount: z.number().int(),
  retiredCount: z.number().int(),
  pendingCount: z.number().int().nonnegative(),
  /**
   * How many subjects our records say hold it as Apple counts them (`COUNTED_BY_APPLE`): with nothing
   * in flight, what Apple's `assignedCount` should be. Moved with each settlement and sync write, set
   * by each drift check; absent: not known yet (the next check counts).
   */
  holderCount: z.number().int().optional(),
  updatedAt: z.string(),
});
export type AssetRecord = z.infer<typeof AssetRecordSchema>;

/** Apple's total for an unlimited (free) asset. */
export const UNLIMITED_TOTAL = 2_147_483_647;

export const assetKeyOf = (a: { adamId: string; pricingParam: string }) => `${a.adamId}:${a.pricingParam}`;

/**
 * Whether Apple's counts keep Apple's invariant (assigned + available = total); unlimited assets always
 * do. Counts that do not are kept as Apple said them, shown as `countsConsistent: false` and reported
 * by the sync, and promised from the smaller bound (`freeLicenses`).
 */
export const countsAddUp = (
  asset: Pick<AssetRecord, 'unlimited' | 'totalCount' | 'assignedCount' | 'availableCount'>,
): boolean => asset.unlimited || asset.assignedCount + asset.availableCount === asset.totalCount;

/**
 * The licences Apple's counts allow promising: available, but never more than total − assigned
 * (counts that do not add up are promised from the smaller bound).
 */
export const promisableLicenses = (
  asset: Pick<AssetRecord, 'totalCount' | 'assignedCount' | 'availableCount'>,
): number => Math.max(0, Math.min(asset.availableCount, asset.totalCount - asset.assignedCount));

/**
 * Licences that may still be promised: min(available, total − assigned) minus what grants in flight
 * reserved. Unlimited assets have no bound.
 */
export const freeLicenses = (
  asset: Pick<AssetRecord, 'availableCount' | 'totalCount' | 'assignedCount' | 'pendingCount' | 'unlimited'>,
): number =>
  asset.unlimited ? Number.POSITIVE_INFINITY : Math.max(0, promisableLicenses(asset) - asset.pendingCount);

/**
 * Whether Apple now has more licences to give than it had (bought, or given back): more available,
 * or unlimited where it was not. An asset we did not know has nothing waiting for it.
 */
export const licensesArrived = (
  before: Pick<AssetRecord, 'availableCount' | 'unlimited'> | undefined,
  after: Pick<AssetRecord, 'availableCount' | 'unlimited'> | undefined,
): boolean =>
  before !== undefined &&
  after !== undefined &&
  ((after.unlimited && !before.unlimited) ||
    (!after.unlimited && after.availableCount > before.availableCount));

/** The facts a sync copies from Apple: if none differs, the sync writes nothing. */
export const APPLE_ASSET_FIELDS = [
  'productType',
  'deviceAssignable',
  'revocable',
  'unlimited',
  'totalCount',
  'assignedCount',
  'availableCount',
  'retiredCount',
] as const;
