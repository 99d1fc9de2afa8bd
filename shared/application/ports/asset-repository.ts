/**
 * The apps and books of each account, with Apple's counts and our reservations, and what they add up
 * to per account (`totals`, kept in the same write as each change of an asset: SPEC §4 `counts`).
 */
import type { AssetTotals } from '../../domain/account-counts.ts';
import type { AssetRecord, PricingParam } from '../../domain/asset.ts';

export interface AssetRepository {
  listByAccount(accountId: string): Promise<AssetRecord[]>;
  /** Every holding of an `adamId` in the account (one per pricing parameter). */
  findByAdamId(accountId: string, adamId: string): Promise<AssetRecord[]>;
  get(accountId: string, adamId: string, pricingParam: PricingParam): Promise<AssetRecord | undefined>;
  /**
   * Writes what Apple says of assets (a sync, a re-read): every field but `pendingCount`, which
   * belongs to the grants in flight (a new asset starts at 0), and `holderCount`, which belongs to our
   * records. The account's totals move with it.
   */
  saveAppleFacts(assets: readonly AssetRecord[]): Promise<void>;
  /**
   * Moves `holderCount` by `change` (records written outside a settlement: a sync's holdings found or
   * gone at Apple); an asset whose count is not known yet, or absent, is left alone.
   */
  moveHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    change: number,
  ): Promise<void>;
  /**
   * Sets `holderCount` to what a drift check counted, unless it moved since the check read it as `seen`
   * (undefined: not known); returns whether it was written.
   */
  setHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    count: number,
    seen: number | undefined,
  ): Promise<boolean>;
  /** Removes an asset (Apple no longer lists it); the account's totals lose it in the same write. */
  remove(accountId: string, adamId: string, pricingParam: PricingParam): Promise<void>;
  /** What the account's assets add up to (`assetTotalsOf` summed), read from the summary. */
  totals(accountId: string): Promise<AssetTotals>;
  /**
   * Reserves up to `wanted` licences atomically (never more than `freeLicenses`: min(available,
   * total − assigned) − pending, on Apple's counts as read), returning how many were reserved.
   * Unlimited assets reserve everything asked.
   */
  reserve(accountId: string, adamId: string, pricingParam: PricingParam, wanted: number): Promise<number>;
  /**
   * Gives back `count` reservations (grants that ended or never left); the reservation never goes
   * below zero. Apple's counts are not touched: they change only by re-reading Apple.
   */
  unreserve(accountId: string, adamId: string, pricingParam: PricingParam, count: number): Promise<void>;
}
