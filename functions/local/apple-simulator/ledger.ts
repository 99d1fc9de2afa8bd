/**
 * The licence ledger of a location: the only place where assignments are created or removed and
 * counts move, so `totalCount = assignedCount + availableCount` cannot drift. Also the views that turn
 * records into Apple's wire shapes.
 */
import type { Assignment, ResponseAsset, ResponseUser } from '#application/ports/vpp-schemas.ts';
import type { LocationChange } from './change-set.ts';
import {
  type AssetRecord,
  type AssignmentRecord,
  activeUser,
  assetKey,
  assignmentKey,
  availableCount,
  INT32_MAX,
  type LocationRecord,
  type UserRecord,
} from './state.ts';

/** A device, or a user entry (with its clientUserId for the wire). */
export type LedgerTarget = { serialNumber: string } | { user: UserRecord };

/**
 * The device, or the active user entry, that a task or action names; undefined when it names a user
 * with no active entry (unknown or retired).
 */
export function activeTarget(
  location: LocationRecord,
  named: { readonly serialNumber?: string | undefined; readonly clientUserId?: string | undefined },
): LedgerTarget | undefined {
  if (named.serialNumber !== undefined) return { serialNumber: named.serialNumber };
  const user = activeUser(location, named.clientUserId ?? '');
  return user ? { user } : undefined;
}

function targetKeyPart(target: LedgerTarget): { serialNumber?: string; userRef?: string } {
  return 'serialNumber' in target ? { serialNumber: target.serialNumber } : { userRef: target.user.ref };
}

/** The asset record of an (adamId, pricingParam) pair in the location. */
export function findAsset(
  location: LocationRecord,
  asset: { adamId: string; pricingParam: string },
): AssetRecord | undefined {
  return location.assets.get(assetKey(asset));
}

/** The assignment of the asset to the target, if held. */
export function findAssignment(
  location: LocationRecord,
  asset: AssetRecord,
  target: LedgerTarget,
): AssignmentRecord | undefined {
  return location.assignments.get(assignmentKey(asset, targetKeyPart(target)));
}

/** What `assignFreeLicence` did: assigned one, found the pair held already, or found none free. */
export type LicenceOutcome = 'assigned' | 'held' | 'none-free';

/** Assigns one licence of the asset to the target unless the pair is held already or none is free. */
export function assignFreeLicence(
  change: LocationChange,
  asset: AssetRecord,
  target: LedgerTarget,
): LicenceOutcome {
  if (findAssignment(change.location, asset, target)) return 'held';
  if (!hasFreeLicence(asset)) return 'none-free';
  addAssignment(change, asset, target);
  return 'assigned';
}

/** Releases the asset's assignment to the target if held; true when there was one. */
export function releaseHeld(change: LocationChange, asset: AssetRecord, target: LedgerTarget): boolean {
  const held = findAssignment(change.location, asset, target);
  if (held) removeAssignment(change, held);
  return held !== undefined;
}

/**
 * Assigns one licence. The caller has checked that a licence is free and that the pair is not held
 * (`assignFreeLicence` does both); the change stamps the new record and moves the counts.
 */
export function addAssignment(change: LocationChange, asset: AssetRecord, target: LedgerTarget): void {
  const record: AssignmentRecord =
    'serialNumber' in target
      ? {
          adamId: asset.adamId,
          pricingParam: asset.pricingParam,
          serialNumber: target.serialNumber,
          version: change.assignmentsStamp(),
        }
      : {
          adamId: asset.adamId,
          pricingParam: asset.pricingParam,
          clientUserId: target.user.clientUserId,
          userRef: target.user.ref,
          version: change.assignmentsStamp(),
        };
  change.location.assignments.set(assignmentKey(asset, targetKeyPart(target)), record);
  asset.assignedCount += 1;
  change.assetsChanged();
}

/** Releases one assignment; removed assignments simply disappear from later reads. */
export function removeAssignment(change: LocationChange, record: AssignmentRecord): void {
  const location = change.location;
  const key = assignmentKey(record, record);
  if (!location.assignments.delete(key)) return;
  change.assignmentsStamp();
  const asset = location.assets.get(assetKey(record));
  if (asset) {
    asset.assignedCount = Math.max(0, asset.assignedCount - 1);
    change.assetsChanged();
  }
}

/** True when one more licence can be assigned. */
export function hasFreeLicence(asset: AssetRecord): boolean {
  return availableCount(asset) > 0;
}

/** Releases every revocable assignment of a user entry (retire); books stay. Returns what was released. */
export function releaseRevocable(change: LocationChange, user: UserRecord): AssignmentRecord[] {
  const released: AssignmentRecord[] = [];
  for (const record of change.location.assignments.values()) {
    if (record.userRef !== user.ref) continue;
    const asset = change.location.assets.get(assetKey(record));
    if (asset?.revocable) released.push(record);
  }
  for (const record of released) removeAssignment(change, record);
  return released;
}

/** Apple's `Assignment`: the asset and exactly one target. */
export function assignmentView(record: {
  adamId: string;
  pricingParam: AssignmentRecord['pricingParam'];
  serialNumber?: string;
  clientUserId?: string;
}): Assignment {
  return record.serialNumber !== undefined
    ? { adamId: record.adamId, pricingParam: record.pricingParam, serialNumber: record.serialNumber }
    : { adamId: record.adamId, pricingParam: record.pricingParam, clientUserId: record.clientUserId ?? '' };
}

/** Apple's `ResponseUser`. */
export function userView(user: UserRecord): ResponseUser {
  const view: ResponseUser = { clientUserId: user.clientUserId, status: user.status };
  if (user.email !== undefined) view.email = user.email;
  if (user.idHash !== undefined) view.idHash = user.idHash;
  if (user.inviteCode !== undefined) view.inviteCode = user.inviteCode;
  return view;
}

/** `ResponseAsset`; an unlimited asset reports int32 max as its total (reference §5.1). */
export function assetView(asset: AssetRecord): ResponseAsset {
  return {
    adamId: asset.adamId,
    assignedCount: asset.assignedCount,
    availableCount: availableCount(asset),
    deviceAssignable: asset.deviceAssignable,
    pricingParam: asset.pricingParam,
    productType: asset.productType,
    retiredCount: asset.unlimited ? 0 : asset.retiredCount,
    revocable: asset.revocable,
    supportedPlatforms: [...asset.supportedPlatforms],
    totalCount: asset.unlimited ? INT32_MAX : asset.totalCount,
  };
}

/** `UnlimitedResponseAsset`: a `ResponseAsset` without the three inventory counts. */
export function unlimitedAssetView(asset: AssetRecord): Record<string, unknown> {
  return {
    adamId: asset.adamId,
    assignedCount: asset.assignedCount,
    deviceAssignable: asset.deviceAssignable,
    pricingParam: asset.pricingParam,
    productType: asset.productType,
    revocable: asset.revocable,
    supportedPlatforms: [...asset.supportedPlatforms],
  };
}
