/**
 * Apple's answers made into our records, in one place for the sync (SPEC §5.3) and the notifications
 * (SPEC §5.6): an asset from Apple's asset list, and our holdings against Apple's assignments.
 * - An asset keeps our name, icon and reservations; everything else is Apple's. Books are never
 *   revocable, whatever a field says.
 * - A holding Apple has and we do not (no record, or one revoked or failed) is found at Apple; one we
 *   hold (granted) that Apple no longer lists is gone at Apple, but only when Apple's list is
 *   complete and stable. Records in flight are left alone: only Apple's answer settles them.
 */
import type { Account } from '../domain/account.ts';
import { APPLE_ASSET_FIELDS, type AssetRecord, UNLIMITED_TOTAL } from '../domain/asset.ts';
import { type AssignmentRecord, assignmentKey, IN_FLIGHT } from '../domain/assignment.ts';
import { canMove, foundAtApple, next } from '../domain/assignment-state.ts';
import type { Assignment, ResponseAsset } from './ports/vpp-schemas.ts';

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
  let gone = 0;
  if (options.complete) {
    for (const [k, existing] of byKey) {
      if (seen.has(k) || !canMove(existing.state, 'gone-at-apple')) continue;
      gone++;
      writes.push(next(existing, 'gone-at-apple', options.now).record);
    }
  }
  return { writes, seen, foundAtApple: found, goneAtApple: gone, inFlightLeftAlone };
}
