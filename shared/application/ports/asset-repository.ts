/** The apps and books of each account, with Apple's counts and our reservations. */
import type { AssetRecord, PricingParam } from '../../domain/asset.ts';

export interface AssetRepository {
  listByAccount(accountId: string): Promise<AssetRecord[]>;
  /** Every holding of an `adamId` in the account (one per pricing parameter). */
  findByAdamId(accountId: string, adamId: string): Promise<AssetRecord[]>;
  get(accountId: string, adamId: string, pricingParam: PricingParam): Promise<AssetRecord | undefined>;
  /**
   * Writes what Apple says of assets a sync found new or changed: every field but `pendingCount`, which
   * belongs to the grants in flight (a new asset starts at 0).
   */
  saveAppleFacts(assets: readonly AssetRecord[]): Promise<void>;
  remove(accountId: string, adamId: string, pricingParam: PricingParam): Promise<void>;
  /**
   * Reserves up to `wanted` licences atomically (never more than available − pending), returning how
   * many were reserved. Unlimited assets reserve everything asked.
   */
  reserve(accountId: string, adamId: string, pricingParam: PricingParam, wanted: number): Promise<number>;
  /**
   * Applies settled operations to the counts at once, so what may be promised stays right before the
   * next sync: `granted` licences leave the reservation and become assigned, `refused` ones go back,
   * `revoked` ones become available again.
   */
  settle(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    counts: { granted?: number; refused?: number; revoked?: number },
  ): Promise<void>;
}
