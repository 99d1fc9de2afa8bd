/**
 * Assets in a Map, with the arithmetic of `DynamoAssetRepository`: reservations never beyond
 * `freeLicenses`, reservations given back never below zero, Apple's facts written without touching the reservation, and the account's totals always the sum of its assets
 * (the table keeps them in a summary; the fake adds them up).
 */
import type { AssetRepository } from '../../../shared/application/ports/asset-repository.ts';
import { type AssetTotals, countsOf } from '../../../shared/domain/account-counts.ts';
import {
  type AssetRecord,
  AssetRecordSchema,
  freeLicenses,
  type PricingParam,
} from '../../../shared/domain/asset.ts';
import { byKey, copy } from './conditions.ts';

const keyOf = (accountId: string, adamId: string, pricingParam: string) =>
  `${accountId}|${adamId}|${pricingParam}`;
const sortKey = (a: Pick<AssetRecord, 'adamId' | 'pricingParam'>) => `ASSET#${a.adamId}#${a.pricingParam}`;

export class MemoryAssetRepository implements AssetRepository {
  readonly #assets = new Map<string, AssetRecord>();

  /** Test setup: writes assets as they are (pending counts included). */
  seed(...assets: AssetRecord[]): void {
    for (const a of assets)
      this.#assets.set(keyOf(a.accountId, a.adamId, a.pricingParam), AssetRecordSchema.parse(copy(a)));
  }

  #list(accountId: string, prefix: string): AssetRecord[] {
    return [...this.#assets.values()]
      .filter((a) => a.accountId === accountId && sortKey(a).startsWith(prefix))
      .sort(byKey(sortKey))
      .map(copy);
  }

  async listByAccount(accountId: string): Promise<AssetRecord[]> {
    return this.#list(accountId, 'ASSET#');
  }

  async findByAdamId(accountId: string, adamId: string): Promise<AssetRecord[]> {
    return this.#list(accountId, `ASSET#${adamId}#`);
  }

  async get(accountId: string, adamId: string, pricingParam: PricingParam): Promise<AssetRecord | undefined> {
    const found = this.#assets.get(keyOf(accountId, adamId, pricingParam));
    return found ? copy(found) : undefined;
  }

  async saveAppleFacts(assets: readonly AssetRecord[]): Promise<void> {
    for (const asset of assets) {
      const {
        pendingCount: _pending,
        holderCount: _holders,
        ...facts
      } = AssetRecordSchema.parse(copy(asset));
      const k = keyOf(asset.accountId, asset.adamId, asset.pricingParam);
      const existing = this.#assets.get(k);
      // SET of the defined fields only: a field the new record lacks (a name) keeps its stored value.
      this.#assets.set(k, {
        ...existing,
        ...copy(facts),
        pendingCount: existing?.pendingCount ?? 0,
        ...(existing?.holderCount === undefined ? {} : { holderCount: existing.holderCount }),
      });
    }
  }

  async remove(accountId: string, adamId: string, pricingParam: PricingParam): Promise<void> {
    this.#assets.delete(keyOf(accountId, adamId, pricingParam));
  }

  async totals(accountId: string): Promise<AssetTotals> {
    const { assets, licenses } = countsOf(this.#list(accountId, 'ASSET#'), []);
    return { assets, licenses };
  }

  async reserve(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    wanted: number,
  ): Promise<number> {
    if (wanted <= 0) return 0;
    const asset = this.#assets.get(keyOf(accountId, adamId, pricingParam));
    if (!asset) return 0;
    const take = Math.min(wanted, freeLicenses(asset));
    if (take === 0) return 0;
    asset.pendingCount += take;
    return take;
  }

  async unreserve(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    count: number,
  ): Promise<void> {
    if (count <= 0) return;
    const asset = this.#assets.get(keyOf(accountId, adamId, pricingParam));
    if (asset) unreserve(asset, count);
  }

  async moveHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    change: number,
  ): Promise<void> {
    const asset = this.#assets.get(keyOf(accountId, adamId, pricingParam));
    if (asset?.holderCount !== undefined) asset.holderCount += change;
  }

  async setHolderCount(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    count: number,
    seen: number | undefined,
  ): Promise<boolean> {
    const asset = this.#assets.get(keyOf(accountId, adamId, pricingParam));
    if (!asset || asset.holderCount !== seen) return false;
    asset.holderCount = count;
    return true;
  }

  /** For the fake settlement store: the stored asset itself, to change in place. */
  stored(accountId: string, adamId: string, pricingParam: string): AssetRecord | undefined {
    return this.#assets.get(keyOf(accountId, adamId, pricingParam));
  }

  /** For the fake purger: every stored asset of an account, by sort key. */
  keysOf(accountId: string): { sk: string; remove: () => void }[] {
    return [...this.#assets.entries()]
      .filter(([, a]) => a.accountId === accountId)
      .map(([k, a]) => ({ sk: sortKey(a), remove: () => this.#assets.delete(k) }));
  }
}

/** Reservations given back, never below zero; Apple's counts are not touched. */
export function unreserve(asset: AssetRecord, count: number): void {
  asset.pendingCount = asset.pendingCount >= count ? asset.pendingCount - count : 0;
}
