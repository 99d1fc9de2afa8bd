/**
 * Splits a large write into the fewest requests Apple's limits allow, without duplicates.
 * Associate/disassociate apply every asset to every subject, so a request of A assets and S serials
 * becomes ceil(A / maxAssets) × max(ceil(S / maxSerialNumbers), ceil(U / maxClientUserIds)) calls:
 * one app to 10,000 serials is 10 calls; 30 apps to 2,500 devices is 2 × 3 = 6.
 */
import type { VppLimits } from '../../application/ports/vpp-client.ts';
import type {
  AssetKey,
  ManageAssetsRequest,
  ManageSubscriptionsRequest,
  RequestUser,
  RevokeAssetsRequest,
} from '../../application/ports/vpp-schemas.ts';

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** `n` chunks of nearly equal size (sizes differ by at most one). */
function splitInto<T>(items: readonly T[], n: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(items.length / n) + (i < items.length % n ? 1 : 0);
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}

function chunkCount(length: number, limit: number): number {
  return Math.ceil(length / Math.max(1, limit));
}

export const assetKey = (asset: AssetKey): string => `${asset.adamId}:${asset.pricingParam}`;

/** Plans associate or disassociate calls. No assets or no subjects: no call. */
export function planAssetBatches(request: ManageAssetsRequest, limits: VppLimits): ManageAssetsRequest[] {
  const assets = unique(request.assets, assetKey);
  const serials = unique(request.serialNumbers ?? [], (s) => s);
  const users = unique(request.clientUserIds ?? [], (u) => u);
  if (assets.length === 0 || serials.length + users.length === 0) return [];

  const targetCalls = Math.max(
    chunkCount(serials.length, limits.maxSerialNumbers),
    chunkCount(users.length, limits.maxClientUserIds),
  );
  const serialChunks = splitInto(serials, targetCalls);
  const userChunks = splitInto(users, targetCalls);
  const batches: ManageAssetsRequest[] = [];
  for (const assetChunk of splitInto(assets, chunkCount(assets.length, limits.maxAssets))) {
    for (let i = 0; i < targetCalls; i++) {
      const serialNumbers = serialChunks[i] ?? [];
      const clientUserIds = userChunks[i] ?? [];
      batches.push({
        assets: assetChunk,
        ...(serialNumbers.length > 0 ? { serialNumbers } : {}),
        ...(clientUserIds.length > 0 ? { clientUserIds } : {}),
      });
    }
  }
  return batches;
}

/** Plans revoke calls (no assets: Apple takes back every revocable asset of each subject). */
export function planRevokeBatches(request: RevokeAssetsRequest, limits: VppLimits): RevokeAssetsRequest[] {
  const serials = unique(request.serialNumbers ?? [], (s) => s);
  const users = unique(request.clientUserIds ?? [], (u) => u);
  const calls = Math.max(
    chunkCount(serials.length, limits.maxRevokeSerialNumbers),
    chunkCount(users.length, limits.maxRevokeClientUserIds),
  );
  const serialChunks = splitInto(serials, calls);
  const userChunks = splitInto(users, calls);
  return Array.from({ length: calls }, (_, i) => {
    const serialNumbers = serialChunks[i] ?? [];
    const clientUserIds = userChunks[i] ?? [];
    return {
      ...(serialNumbers.length > 0 ? { serialNumbers } : {}),
      ...(clientUserIds.length > 0 ? { clientUserIds } : {}),
    };
  });
}

/** Plans users/create, users/update or users/retire calls; a clientUserId appears once. */
export function planUserBatches(users: readonly RequestUser[], limits: VppLimits): RequestUser[][] {
  const distinct = unique(users, (u) => u.clientUserId);
  return splitInto(distinct, chunkCount(distinct.length, limits.maxUsers));
}

/**
 * Plans subscriptions/associate, disassociate or admin calls: every subscription to every user, in
 * chunks of at most `maxSubscriptions` unique ids × `maxSubscriptionClientUserIds` unique users (9816
 * beyond). The request's `renewing` or `deferred` goes with every call.
 */
export function planSubscriptionBatches(
  request: ManageSubscriptionsRequest,
  limits: VppLimits,
): ManageSubscriptionsRequest[] {
  const adamIds = unique(request.adamIds, (a) => a);
  const users = unique(request.clientUserIds, (u) => u);
  if (adamIds.length === 0 || users.length === 0) return [];
  const { renewing, deferred } = request;
  const batches: ManageSubscriptionsRequest[] = [];
  for (const ids of splitInto(adamIds, chunkCount(adamIds.length, limits.maxSubscriptions)))
    for (const clientUserIds of splitInto(
      users,
      chunkCount(users.length, limits.maxSubscriptionClientUserIds),
    ))
      batches.push({
        adamIds: ids,
        clientUserIds,
        ...(renewing === undefined ? {} : { renewing }),
        ...(deferred === undefined ? {} : { deferred }),
      });
  return batches;
}
