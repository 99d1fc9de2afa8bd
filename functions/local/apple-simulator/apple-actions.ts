/**
 * Things that happen at Apple without the MDM asking: purchases, refunds, transfers between locations,
 * assignments made in the portal or by another MDM, invitations accepted, tokens expired or revoked,
 * another MDM taking a location over. Each behaves as at Apple: counts and versions move and the
 * notifications Apple documents are sent. Misuse (unknown ids, impossible counts) throws
 * `SimulatorUsageError`.
 *
 * Assignments made elsewhere (`externalAssign`/`externalUnassign`) send no notification: Apple documents
 * notifications for purchases, transfers, refunds and invitations only (reference §9.2), so an MDM
 * learns of them through `sinceVersionId` reads or a full sync.
 */

import { randomBytes } from 'node:crypto';
import type { AssetKey, MdmInfo } from '#application/ports/vpp-schemas.ts';
import { LocationChange } from './change-set.ts';
import type { SimulatorContext } from './context.ts';
import { SERVICE_NOTIFICATION_TYPES } from './handlers/service-config.ts';
import { acceptInvitation } from './invitations.ts';
import { activeTarget, assignFreeLicence, findAsset, type LedgerTarget, releaseHeld } from './ledger.ts';
import {
  type AssetRecord,
  activeUser,
  assetKey,
  availableCount,
  type LocationRecord,
  requireLocation,
  SimulatorUsageError,
} from './state.ts';
import { findToken } from './tokens.ts';
import type { AssetDetails, AssignTarget } from './types.ts';

function requireCount(count: number): void {
  if (!Number.isInteger(count) || count <= 0)
    throw new SimulatorUsageError('count must be a positive integer');
}

function requireAsset(location: LocationRecord, asset: AssetKey): AssetRecord {
  const record = findAsset(location, asset);
  if (!record) throw new SimulatorUsageError(`asset ${assetKey(asset)} is not in ${location.id}`);
  return record;
}

function assetCount(
  ctx: SimulatorContext,
  location: LocationRecord,
  asset: AssetRecord,
  countDelta: number,
): void {
  ctx.notifier.enqueue(location, 'ASSET_COUNT', {
    adamId: asset.adamId,
    pricingParam: asset.pricingParam,
    countDelta,
  });
}

function createAsset(location: LocationRecord, asset: AssetKey, details: AssetDetails): AssetRecord {
  const book = details.productType === 'Book';
  const record: AssetRecord = {
    adamId: asset.adamId,
    pricingParam: asset.pricingParam,
    productType: details.productType,
    name: details.name,
    ...(details.bundleId !== undefined && { bundleId: details.bundleId }),
    unlimited: false,
    totalCount: 0,
    assignedCount: 0,
    retiredCount: 0,
    deviceAssignable: !book && (details.deviceAssignable ?? true),
    revocable: !book && (details.revocable ?? true),
    supportedPlatforms: details.supportedPlatforms ?? (book ? ['iOS', 'macOS'] : ['iOS']),
  };
  location.assets.set(assetKey(asset), record);
  return record;
}

function detailsOf(asset: AssetRecord): AssetDetails {
  return {
    productType: asset.productType,
    name: asset.name,
    deviceAssignable: asset.deviceAssignable,
    revocable: asset.revocable,
    supportedPlatforms: asset.supportedPlatforms as AssetDetails['supportedPlatforms'],
    ...(asset.bundleId !== undefined && { bundleId: asset.bundleId }),
  };
}

/** Adds licences (total and available), creating the asset when new; `ASSET_COUNT` +count. */
export function purchase(
  ctx: SimulatorContext,
  locationId: string,
  asset: AssetKey,
  count: number,
  details?: AssetDetails,
): void {
  requireCount(count);
  const location = requireLocation(ctx.state, locationId);
  let record = findAsset(location, asset);
  if (!record) {
    if (!details)
      throw new SimulatorUsageError(`asset ${assetKey(asset)} is new to ${locationId}: give its details`);
    record = createAsset(location, asset, details);
  }
  if (record.unlimited)
    throw new SimulatorUsageError(`asset ${assetKey(asset)} is unlimited: nothing to buy`);
  record.totalCount += count;
  new LocationChange(location).assetsChanged();
  assetCount(ctx, location, record, count);
  ctx.changed();
}

/** Removes free licences (never assigned ones); `ASSET_COUNT` −count. Refunded licences count as retired. */
export function refund(ctx: SimulatorContext, locationId: string, asset: AssetKey, count: number): void {
  requireCount(count);
  const location = requireLocation(ctx.state, locationId);
  const record = takeFree(location, asset, count);
  record.retiredCount += count;
  assetCount(ctx, location, record, -count);
  ctx.changed();
}

function takeFree(location: LocationRecord, asset: AssetKey, count: number): AssetRecord {
  const record = requireAsset(location, asset);
  if (record.unlimited) throw new SimulatorUsageError(`asset ${assetKey(asset)} is unlimited`);
  if (availableCount(record) < count) {
    throw new SimulatorUsageError(
      `only ${availableCount(record)} licences of ${assetKey(asset)} are free in ${location.id}`,
    );
  }
  record.totalCount -= count;
  new LocationChange(location).assetsChanged();
  return record;
}

/** Moves free licences to another location: `ASSET_COUNT` −count there, +count here. */
export function transfer(
  ctx: SimulatorContext,
  fromLocationId: string,
  toLocationId: string,
  asset: AssetKey,
  count: number,
): void {
  requireCount(count);
  const from = requireLocation(ctx.state, fromLocationId);
  const to = requireLocation(ctx.state, toLocationId);
  if (from === to) throw new SimulatorUsageError('transfer needs two different locations');
  const source = takeFree(from, asset, count);
  const target = findAsset(to, asset) ?? createAsset(to, asset, detailsOf(source));
  if (target.unlimited)
    throw new SimulatorUsageError(`asset ${assetKey(asset)} is unlimited in ${toLocationId}`);
  target.totalCount += count;
  new LocationChange(to).assetsChanged();
  assetCount(ctx, from, source, -count);
  assetCount(ctx, to, target, count);
  ctx.changed();
}

/** The change, asset and target an assignment made elsewhere names; unknown ones are misuse. */
function externalPair(
  ctx: SimulatorContext,
  locationId: string,
  asset: AssetKey,
  target: AssignTarget,
): { change: LocationChange; record: AssetRecord; to: LedgerTarget } {
  const location = requireLocation(ctx.state, locationId);
  const record = requireAsset(location, asset);
  const to = activeTarget(location, target);
  if (!to) throw new SimulatorUsageError(`no active user ${target.clientUserId} in ${location.id}`);
  return { change: new LocationChange(location), record, to };
}

/** An assignment made in the portal or by another MDM, or its removal: `(ctx, locationId, asset, target)`. */
type ExternalAssignment = (
  ctx: SimulatorContext,
  locationId: string,
  asset: AssetKey,
  target: AssignTarget,
) => void;

/** An assignment made in the portal or by another MDM: counts and versions move, no notification. */
export const externalAssign: ExternalAssignment = (ctx, locationId, asset, target) => {
  const { change, record, to } = externalPair(ctx, locationId, asset, target);
  if ('serialNumber' in to && !record.deviceAssignable) {
    throw new SimulatorUsageError(`asset ${assetKey(asset)} is not device-assignable`);
  }
  const outcome = assignFreeLicence(change, record, to);
  if (outcome === 'held') throw new SimulatorUsageError('already assigned');
  if (outcome === 'none-free') throw new SimulatorUsageError(`no licence of ${assetKey(asset)} left`);
  ctx.changed();
};

/** Removes an assignment made elsewhere: the licence is free again, no notification. */
export const externalUnassign: ExternalAssignment = (ctx, locationId, asset, target) => {
  const { change, record, to } = externalPair(ctx, locationId, asset, target);
  if (!releaseHeld(change, record, to)) throw new SimulatorUsageError('not assigned');
  ctx.changed();
};

/** The person behind a Registered user accepts the invitation (default account: a made-up one). */
export function acceptInvitationOf(
  ctx: SimulatorContext,
  locationId: string,
  clientUserId: string,
  appleAccount?: string,
): void {
  const location = requireLocation(ctx.state, locationId);
  const user = activeUser(location, clientUserId);
  if (!user) throw new SimulatorUsageError(`no active user ${clientUserId} in ${locationId}`);
  const outcome = acceptInvitation(ctx, location, user, appleAccount ?? `${clientUserId}@icloud.example`);
  if (!outcome.ok) throw new SimulatorUsageError(`cannot accept: ${outcome.reason}`);
}

/** Apple expired the token early (password change...): it answers 9621 from now on. */
export function expireToken(ctx: SimulatorContext, tokenFileContent: string): void {
  findToken(ctx, tokenFileContent).expired = true;
  ctx.changed();
}

/** Apple revoked the token: it answers 9625 from now on. */
export function revokeToken(ctx: SimulatorContext, tokenFileContent: string): void {
  findToken(ctx, tokenFileContent).revoked = true;
  ctx.changed();
}

/**
 * Another MDM POSTed `client/config` with its own `mdmInfo`: under full-replacement semantics its
 * notification settings replace ours (a URL of its own, or none at all). No test notification is sent
 * to it: that URL belongs to the other MDM.
 */
export function claimByOtherMdm(
  ctx: SimulatorContext,
  locationId: string,
  mdmInfo: MdmInfo,
  notificationUrl?: string,
): void {
  const location = requireLocation(ctx.state, locationId);
  location.mdmInfo = { id: mdmInfo.id, name: mdmInfo.name, metadata: mdmInfo.metadata };
  if (notificationUrl !== undefined) {
    location.notificationUrl = notificationUrl;
    location.notificationAuthToken = randomBytes(16).toString('hex');
    location.subscribedNotificationTypes = [...SERVICE_NOTIFICATION_TYPES].sort();
  } else {
    delete location.notificationUrl;
    delete location.notificationAuthToken;
    location.subscribedNotificationTypes = [];
  }
  ctx.changed();
}
