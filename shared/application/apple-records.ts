/**
 * Apple's answers made into our records, in one place for the sync (SPEC §5.3) and the notifications
 * (SPEC §5.6): an asset from Apple's asset list, and our holdings against Apple's assignments.
 * - An asset keeps our name, icon, reservations and holder count; everything else is Apple's, as
 *   Apple last said it (never moved by deltas). Books are never revocable, whatever a field says.
 * - An asset's counts are re-read from Apple (`rereadAssets`) after every answer of Apple's that
 *   changed who holds it or showed our counts stale (`assetsToReread`): a notification of an
 *   assignment change (ours or another tool's), a grant or revocation that ended, a refusal for want
 *   of licences (9709). Once per asset per batch of messages, before the reservations are given back,
 *   so what may be promised is never more than Apple has.
 * - A holding Apple has and we do not (no record, or one revoked or failed) is found at Apple; one we
 *   hold (granted) that Apple no longer lists is gone at Apple, but only when Apple's list is
 *   complete and stable. Records in flight are left alone: only Apple's answer settles them.
 * - Drift (`checkDrift`), after every sync and when a job that changed an asset ends: an asset with
 *   nothing in flight whose `assignedCount` at Apple differs from the holders our records count
 *   (`holderCount`) has its holders re-read from Apple (`GET assignments?adamId=&pricingParam=`) and
 *   repaired both ways (`resyncHoldings`). An asset whose counts agree costs no read and no write.
 */
import type { Account } from '../domain/account.ts';
import { APPLE_ASSET_FIELDS, type AssetRecord, assetKeyOf, UNLIMITED_TOTAL } from '../domain/asset.ts';
import { type AssignmentRecord, assignmentKey, COUNTED_BY_APPLE, IN_FLIGHT } from '../domain/assignment.ts';
import { canMove, foundAtApple, next } from '../domain/assignment-state.ts';
import type { Secret } from '../domain/secret.ts';
import type { AssetRepository } from './ports/asset-repository.ts';
import type { AssignmentRepository } from './ports/assignment-repository.ts';
import type { Clock } from './ports/clock.ts';
import type { VppClient } from './ports/vpp-client.ts';
import type { AssetKey, Assignment, ResponseAsset } from './ports/vpp-schemas.ts';

/** Our record of an asset from Apple's answer; our name, icon and reservations are kept. */
export function assetFromApple(
  account: Account,
  apple: ResponseAsset,
  existing: AssetRecord | undefined,
  now: string,
): AssetRecord {
  return {
    accountId: account.id,
    adamId: apple.adamId,
    pricingParam: apple.pricingParam,
    productType: apple.productType,
    ...(existing?.name ? { name: existing.name } : {}),
    ...(existing?.iconUrl ? { iconUrl: existing.iconUrl } : {}),
    // Books are never revocable, whatever a field says.
    deviceAssignable: apple.productType === 'Book' ? false : apple.deviceAssignable,
    revocable: apple.productType === 'Book' ? false : apple.revocable,
    supportedPlatforms: apple.supportedPlatforms,
    unlimited: apple.totalCount >= UNLIMITED_TOTAL,
    totalCount: apple.totalCount,
    assignedCount: apple.assignedCount,
    availableCount: apple.availableCount,
    retiredCount: apple.retiredCount,
    pendingCount: existing?.pendingCount ?? 0,
    ...(existing?.holderCount === undefined ? {} : { holderCount: existing.holderCount }),
    updatedAt: now,
  };
}

/** Whether any of Apple's facts of an asset differ between two records. */
export const assetChanged = (a: AssetRecord, b: AssetRecord) =>
  APPLE_ASSET_FIELDS.some((f) => a[f] !== b[f]) ||
  a.supportedPlatforms.join(',') !== b.supportedPlatforms.join(',');

/** The subject of one of Apple's assignments: a device by serial number, or a user. */
export const subjectOfApple = (a: Pick<Assignment, 'serialNumber' | 'clientUserId'>) =>
  a.serialNumber
    ? { subjectType: 'device' as const, subjectId: a.serialNumber }
    : { subjectType: 'user' as const, subjectId: a.clientUserId ?? '' };

export interface HoldingsCompared {
  /** The records to write: holdings found at Apple, and those gone at Apple. */
  readonly writes: AssignmentRecord[];
  /** The `assignmentKey` of every holding Apple listed. */
  readonly seen: ReadonlySet<string>;
  readonly foundAtApple: number;
  readonly goneAtApple: number;
  readonly inFlightLeftAlone: number;
}

/**
 * Our records against Apple's assignments. `ours` are the records Apple's list may concern (all of
 * the account's, one asset's, or those Apple returned); `complete` says Apple's list is all it holds
 * of them (a full, stable read), so what it does not list is gone.
 */
export function compareHoldings(
  account: Pick<Account, 'id' | 'orgId'>,
  ours: readonly AssignmentRecord[],
  apple: readonly Pick<Assignment, 'adamId' | 'pricingParam' | 'serialNumber' | 'clientUserId'>[],
  options: { complete: boolean; now: string },
): HoldingsCompared {
  const byKey = new Map(ours.map((a) => [assignmentKey(a), a]));
  const writes: AssignmentRecord[] = [];
  const seen = new Set<string>();
  let found = 0;
  let inFlightLeftAlone = 0;
  for (const item of apple) {
    const subject = {
      orgId: account.orgId,
      accountId: account.id,
      adamId: item.adamId,
      pricingParam: item.pricingParam,
      ...subjectOfApple(item),
    };
    const k = assignmentKey(subject);
    seen.add(k);
    const existing = byKey.get(k);
    if (existing && IN_FLIGHT.has(existing.state)) {
      inFlightLeftAlone++;
      continue;
    }
    if (existing && !canMove(existing.state, 'found-at-apple')) continue;
    found++;
    writes.push(foundAtApple(subject, existing, options.now));
  }
  const gone = options.complete
    ? goneAtApple(
        [...byKey].filter(([k]) => !seen.has(k)).map(([, r]) => r),
        options.now,
      )
    : [];
  writes.push(...gone);
  return { writes, seen, foundAtApple: found, goneAtApple: gone.length, inFlightLeftAlone };
}

/**
 * Our records of holdings a complete read of Apple's did not list, as they are once gone: those that
 * can be (a grant or a revocation in flight is never touched; only Apple's answer settles it).
 */
export function goneAtApple(unlisted: readonly AssignmentRecord[], now: string): AssignmentRecord[] {
  return unlisted
    .filter((r) => canMove(r.state, 'gone-at-apple'))
    .map((r) => next(r, 'gone-at-apple', now).record);
}

/** Apple's number for a refusal for want of licences: our counts were stale. */
const NOT_ENOUGH_LICENSES = 9709;

/**
 * The assets whose counts an answer of Apple's to assignment changes makes stale: one where a change
 * was done (no error), or refused for want of licences (9709). Other refusals changed nothing.
 */
export function assetsToReread(
  outcomes: readonly {
    readonly record: AssetKey;
    readonly error?: { readonly errorNumber?: number | undefined } | undefined;
  }[],
): AssetKey[] {
  const assets = new Map<string, AssetKey>();
  for (const { record, error } of outcomes) {
    if (error && error.errorNumber !== NOT_ENOUGH_LICENSES) continue;
    assets.set(assetKeyOf(record), { adamId: record.adamId, pricingParam: record.pricingParam });
  }
  return [...assets.values()];
}

/**
 * What the messages of one batch have read from Apple: each asset's counts are read once per batch
 * (Apple sent every notification of the batch before it came, so one read after any of them sees
 * them all). A read that failed is forgotten, so a later message reads again.
 */
export interface BatchReads {
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** A batch's reads, for one invocation of a worker. */
export function batchReads(): BatchReads {
  const reads = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, read: () => Promise<T>): Promise<T> {
      const known = reads.get(key) as Promise<T> | undefined;
      if (known) return known;
      const started = read();
      reads.set(key, started);
      started.catch(() => reads.delete(key));
      return started;
    },
  };
}

/** Reads without a batch: every call reads. */
const EVERY_TIME: BatchReads = { once: (_key, read) => read() };

export interface RereadDeps {
  readonly vpp: VppClient;
  readonly assets: AssetRepository;
  readonly clock: Clock;
}

/** An asset as it was before a re-read and as Apple says it is now (undefined: none). */
export interface AssetReread {
  readonly asset: AssetKey;
  readonly before: AssetRecord | undefined;
  readonly after: AssetRecord | undefined;
  /** Whether our record changed (written, or removed). */
  readonly changed: boolean;
}

/**
 * Re-reads each asset's counts from Apple (`GET assets?adamId=&pricingParam=`), at most once per
 * asset in `batch`, and writes what changed (an asset Apple no longer lists is removed). The
 * account's totals move in the same writes.
 */
export async function rereadAssets(
  deps: RereadDeps,
  account: Account,
  token: Secret,
  assets: readonly AssetKey[],
  batch: BatchReads = EVERY_TIME,
): Promise<AssetReread[]> {
  const unique = new Map(assets.map((a) => [assetKeyOf(a), a]));
  const rereads: AssetReread[] = [];
  for (const [key, asset] of unique) {
    rereads.push(
      await batch.once(`asset-counts|${account.id}|${key}`, async (): Promise<AssetReread> => {
        const read = await deps.vpp.readAssets(token, {
          adamId: asset.adamId,
          pricingParam: asset.pricingParam,
        });
        const apple = read.items.find(
          (a) => a.adamId === asset.adamId && a.pricingParam === asset.pricingParam,
        );
        const before = await deps.assets.get(account.id, asset.adamId, asset.pricingParam);
        if (!apple) {
          if (before) await deps.assets.remove(account.id, asset.adamId, asset.pricingParam);
          return { asset, before, after: undefined, changed: before !== undefined };
        }
        const after = assetFromApple(account, apple, before, deps.clock.now().toISOString());
        const changed = !before || assetChanged(before, after);
        if (changed) await deps.assets.saveAppleFacts([after]);
        return { asset, before, after, changed };
      }),
    );
  }
  return rereads;
}

export interface HoldingsDeps extends RereadDeps {
  readonly assignments: AssignmentRepository;
}

/** How many of `records` Apple counts as holders (`COUNTED_BY_APPLE`). */
const holdersIn = (records: readonly AssignmentRecord[]): number =>
  records.filter((r) => COUNTED_BY_APPLE.has(r.state)).length;

export interface HoldingsResynced {
  readonly foundAtApple: number;
  readonly goneAtApple: number;
  /** The holders our records count after the repair. */
  readonly holders: number;
}

/**
 * Re-reads one asset's holdings from Apple (`GET assignments?adamId=&pricingParam=`) and makes `ours`
 * (the asset's records, as listed) match, both ways, never touching operations in flight (nor a
 * record moved since it was listed); gone at Apple only when Apple's list was stable (the client
 * keeps only the items of this asset).
 */
export async function resyncHoldings(
  deps: HoldingsDeps,
  account: Account,
  token: Secret,
  asset: AssetKey,
  ours: readonly AssignmentRecord[],
): Promise<HoldingsResynced> {
  const apple = await deps.vpp.readAssignments(token, {
    adamId: asset.adamId,
    pricingParam: asset.pricingParam,
  });
  const { writes } = compareHoldings(account, ours, apple.items, {
    complete: apple.consistent,
    now: deps.clock.now().toISOString(),
  });
  // Each repair is conditional on the state listed: a record someone moved since (a grant or a
  // revocation started meanwhile) is left to whoever moved it.
  const after = new Map(ours.map((r) => [assignmentKey(r), r]));
  let foundAtApple = 0;
  let goneAtApple = 0;
  for (const w of writes) {
    const seen = after.get(assignmentKey(w));
    if (!(await deps.assignments.transition(w, [seen?.state ?? 'absent']))) continue;
    if (COUNTED_BY_APPLE.has(w.state)) foundAtApple++;
    else goneAtApple++;
    after.set(assignmentKey(w), w);
  }
  return { foundAtApple, goneAtApple, holders: holdersIn([...after.values()]) };
}

/**
 * Re-reads one asset's holdings from Apple and makes ours match (an ASSET_MANAGEMENT success the
 * service did not expect); the asset's `holderCount` is set to what the records then count.
 */
export async function resyncAssetAssignments(
  deps: HoldingsDeps,
  account: Account,
  token: Secret,
  asset: AssetKey,
): Promise<HoldingsResynced> {
  const stored = await deps.assets.get(account.id, asset.adamId, asset.pricingParam);
  const ours = await deps.assignments.listByAsset(account.id, asset.adamId, asset.pricingParam);
  const resynced = await resyncHoldings(deps, account, token, asset, ours);
  if (stored && stored.holderCount !== resynced.holders)
    await deps.assets.setHolderCount(
      account.id,
      asset.adamId,
      asset.pricingParam,
      resynced.holders,
      stored.holderCount,
    );
  return resynced;
}

/** What a drift check found and repaired. */
export interface DriftRepaired {
  readonly foundAtApple: number;
  readonly goneAtApple: number;
  /** The assets whose holders were re-read from Apple (their counts differed from ours). */
  readonly reread: AssetKey[];
  /** Assets left for later: something of theirs was in flight. */
  readonly inFlight: number;
}

export const NO_DRIFT: DriftRepaired = { foundAtApple: 0, goneAtApple: 0, reread: [], inFlight: 0 };

/**
 * The drift check of `assets` (as last read, with Apple's counts and our `holderCount`): each with
 * nothing in flight (no reservation, no record pending) whose `assignedCount` differs from
 * `holderCount` (or has none yet) has its records listed; when they count what Apple counts only
 * `holderCount` was stale and is set, otherwise its holders are re-read from Apple and repaired.
 * An asset whose counts agree, or with a grant in flight, costs no read and no write.
 */
export async function checkDrift(
  deps: HoldingsDeps,
  account: Account,
  token: Secret,
  assets: readonly AssetRecord[],
): Promise<DriftRepaired> {
  let foundAtApple = 0;
  let goneAtApple = 0;
  let inFlight = 0;
  const reread: AssetKey[] = [];
  for (const asset of assets) {
    if (asset.pendingCount > 0) {
      inFlight++;
      continue;
    }
    if (asset.holderCount === asset.assignedCount) continue;
    const key = { adamId: asset.adamId, pricingParam: asset.pricingParam };
    const ours = await deps.assignments.listByAsset(account.id, asset.adamId, asset.pricingParam);
    if (ours.some((r) => IN_FLIGHT.has(r.state))) {
      inFlight++;
      continue;
    }
    let holders = holdersIn(ours);
    if (holders !== asset.assignedCount) {
      const resynced = await resyncHoldings(deps, account, token, key, ours);
      reread.push(key);
      foundAtApple += resynced.foundAtApple;
      goneAtApple += resynced.goneAtApple;
      holders = resynced.holders;
    }
    if (holders !== asset.holderCount)
      await deps.assets.setHolderCount(
        account.id,
        asset.adamId,
        asset.pricingParam,
        holders,
        asset.holderCount,
      );
  }
  return { foundAtApple, goneAtApple, reread, inFlight };
}

/**
 * The drift check of `assets` when the job that changed them ended: each is read again first (its
 * counts were re-read when Apple answered, its reservations given back since).
 */
export async function checkDriftOf(
  deps: HoldingsDeps,
  account: Account,
  token: Secret,
  assets: readonly AssetKey[],
): Promise<DriftRepaired> {
  if (assets.length === 0) return NO_DRIFT;
  const records: AssetRecord[] = [];
  for (const a of assets) {
    const stored = await deps.assets.get(account.id, a.adamId, a.pricingParam);
    if (stored) records.push(stored);
  }
  return checkDrift(deps, account, token, records);
}
