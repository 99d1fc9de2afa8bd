/**
 * `POST assets/associate`, `assets/disassociate` and `assets/revoke` (reference §5.3, §5.4): checked
 * synchronously, then accepted as an event processed later.
 *
 * Synchronous checks, in this order: 9718 (no `assets`), 9719 (no subjects), 9602 (shape), limits
 * 9700/9701/9702, duplicates 9703/9704/9705, then for every asset of the request (reference §14.7:
 * all of them, not per task) 9707 on associate when serial numbers are given and 9706 on disassociate.
 * An omitted `pricingParam` means `STDQ`, as in v1 (reference §14.5). Revoke uses 9701/9702 with the
 * revoke limits (reference §5.4, presumed numbers).
 */
import {
  type AssetKey,
  ManageAssetsRequestSchema,
  RevokeAssetsRequestSchema,
} from '#application/ports/vpp-schemas.ts';
import { AppleError } from '../apple-error.ts';
import { type AppleHandler, type AppleRequest, bodyObject, parseBody } from '../apple-request.ts';
import { limit, type SimulatorContext } from '../context.ts';
import { findAsset } from '../ledger.ts';
import { type AssignmentTask, activeUser, assetKey } from '../state.ts';

/** True for a value the client actually gave (absent, null and empty arrays count as not given). */
function given(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function hasDuplicates(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}

function validateManageAssets(
  ctx: SimulatorContext,
  req: AppleRequest,
  action: 'associate' | 'disassociate',
) {
  const raw = bodyObject(req.body);
  if (!given(raw.assets)) throw new AppleError(9718);
  if (!given(raw.clientUserIds) && !given(raw.serialNumbers)) throw new AppleError(9719);
  const assets = Array.isArray(raw.assets)
    ? raw.assets.map((a: unknown) =>
        typeof a === 'object' && a !== null && !('pricingParam' in a) ? { ...a, pricingParam: 'STDQ' } : a,
      )
    : raw.assets;
  const request = parseBody(ManageAssetsRequestSchema, { ...raw, assets });
  const clientUserIds = request.clientUserIds ?? [];
  const serialNumbers = request.serialNumbers ?? [];

  if (request.assets.length > limit(ctx, 'maxAssets')) throw new AppleError(9700);
  if (clientUserIds.length > limit(ctx, 'maxClientUserIds')) throw new AppleError(9701);
  if (serialNumbers.length > limit(ctx, 'maxSerialNumbers')) throw new AppleError(9702);
  if (hasDuplicates(request.assets.map(assetKey))) throw new AppleError(9703);
  if (hasDuplicates(clientUserIds)) throw new AppleError(9704);
  if (hasDuplicates(serialNumbers)) throw new AppleError(9705);

  for (const key of request.assets) {
    const asset = findAsset(req.location, key);
    if (!asset) continue;
    if (action === 'associate' && serialNumbers.length > 0 && !asset.deviceAssignable)
      throw new AppleError(9707);
    if (action === 'disassociate' && !asset.revocable) throw new AppleError(9706);
  }
  const keys: AssetKey[] = request.assets.map((a) => ({ adamId: a.adamId, pricingParam: a.pricingParam }));
  return { assets: keys, clientUserIds, serialNumbers };
}

function manageAssets(action: 'associate' | 'disassociate'): AppleHandler {
  return (ctx, req) => {
    const payload = validateManageAssets(ctx, req, action);
    const numRequested =
      payload.assets.length * (payload.clientUserIds.length + payload.serialNumbers.length);
    const eventType = action === 'associate' ? 'ASSOCIATE' : 'DISASSOCIATE';
    const event = ctx.events.accept(req.location, eventType, { kind: 'assets', ...payload }, numRequested);
    return { eventId: event.eventId };
  };
}

/** `POST assets/associate`. */
export const associateAssets = manageAssets('associate');
/** `POST assets/disassociate`. */
export const disassociateAssets = manageAssets('disassociate');

/**
 * Revoke lists its tasks at acceptance: every revocable assignment of the named users and devices. A
 * subject with nothing revocable (unknown users included) adds no task.
 */
export const revokeAssets: AppleHandler = (ctx, req) => {
  const raw = bodyObject(req.body);
  if (!given(raw.clientUserIds) && !given(raw.serialNumbers)) throw new AppleError(9719);
  const request = parseBody(RevokeAssetsRequestSchema, raw);
  const clientUserIds = request.clientUserIds ?? [];
  const serialNumbers = request.serialNumbers ?? [];
  if (clientUserIds.length > limit(ctx, 'maxRevokeClientUserIds')) throw new AppleError(9701);
  if (serialNumbers.length > limit(ctx, 'maxRevokeSerialNumbers')) throw new AppleError(9702);
  if (hasDuplicates(clientUserIds)) throw new AppleError(9704);
  if (hasDuplicates(serialNumbers)) throw new AppleError(9705);

  const location = req.location;
  const userRefs = new Set(clientUserIds.flatMap((id) => activeUser(location, id)?.ref ?? []));
  const serials = new Set(serialNumbers);
  const tasks: AssignmentTask[] = [];
  for (const a of location.assignments.values()) {
    const held = a.userRef !== undefined ? userRefs.has(a.userRef) : serials.has(a.serialNumber ?? '');
    if (!held || !findAsset(location, a)?.revocable) continue;
    tasks.push({
      adamId: a.adamId,
      pricingParam: a.pricingParam,
      ...(a.serialNumber !== undefined && { serialNumber: a.serialNumber }),
      ...(a.clientUserId !== undefined && { clientUserId: a.clientUserId }),
      ...(a.userRef !== undefined && { userRef: a.userRef }),
    });
  }
  const event = ctx.events.accept(location, 'REVOKE', { kind: 'revoke', tasks }, tasks.length);
  return { eventId: event.eventId };
};
