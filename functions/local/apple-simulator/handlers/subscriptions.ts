/**
 * The subscription endpoints (apple-subscriptions.md §2): enable and disable, the three cursor reads,
 * associate and disassociate (events), and the synchronous admin changes. Every handler first ends
 * the billing periods that have passed by the simulator's clock (U21).
 *
 * Synchronous checks (U6, U12): a body that is not an object, a missing or empty `adamIds` or
 * `clientUserIds`, a value of the wrong JSON type, or an associate of a subscription that is not
 * active (U20) is 9811; an id sent as text or not positive, or one the location does not hold, is
 * 9813; more unique ids than `maxSubscriptions` or users than `maxSubscriptionClientUserIds` is 9816.
 * Duplicates are dropped (U11). The per-user facts (9814, 9815, 9817, no seat: 9709) fail the task.
 */
import { AppleError } from '../apple-error.ts';
import { type AppleHandler, type AppleRequest, bodyObject } from '../apple-request.ts';
import { limit, type SimulatorContext } from '../context.ts';
import { cursorPage } from '../cursor.ts';
import { booleanParam, stringParam } from '../query.ts';
import { activeUser, type LocationRecord, type SubscriptionRecord } from '../state.ts';
import {
  endDuePeriods,
  holdsSubscriptions,
  subscriptionsChanged,
  subscriptionView,
} from '../subscriptions.ts';

/** An array query parameter: repeated keys and comma lists both (U13); absent: undefined. */
function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const values = query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values.length === 0 ? undefined : values;
}

/** An int64 filter: malformed values are 9813 (an unknown one simply matches nothing). */
function idParam(query: URLSearchParams, name: string): Set<number> | undefined {
  const values = listParam(query, name);
  if (values === undefined) return undefined;
  if (values.some((v) => !/^\d+$/.test(v) || Number(v) <= 0)) throw new AppleError(9813);
  return new Set(values.map(Number));
}

const filterKey = (query: URLSearchParams, names: readonly string[]) =>
  JSON.stringify(names.map((n) => [n, [...new Set(listParam(query, n) ?? [])].sort()]));

function started(ctx: SimulatorContext, req: AppleRequest): LocationRecord {
  endDuePeriods(ctx, req.location);
  return req.location;
}

const byAdamId = (location: LocationRecord) =>
  [...location.subscriptions.values()].sort((a, b) => a.adamId - b.adamId);

/** `POST subscriptions/enable`: always answers the boolean, with `mdmInfo` (null when unset, U16). */
export const enableSubscriptions: AppleHandler = (ctx, req) => {
  const location = started(ctx, req);
  location.subscriptionManagement = 'enabled';
  ctx.changed();
  return { subscriptionManagement: true, mdmInfo: location.mdmInfo ?? null };
};

/** `POST subscriptions/disable`: refused (9818) while the location holds subscriptions (Aug18, U1, U5). */
export const disableSubscriptions: AppleHandler = (ctx, req) => {
  const location = started(ctx, req);
  if (holdsSubscriptions(location)) throw new AppleError(9818);
  location.subscriptionManagement = 'disabled';
  ctx.changed();
  return { subscriptionManagement: false, mdmInfo: location.mdmInfo ?? null };
};

/** `GET subscriptions`, filtered by `adamId` and `parentAdamId`, in `adamId` order. */
export const getSubscriptions: AppleHandler = (ctx, req) => {
  const location = started(ctx, req);
  const adamIds = idParam(req.query, 'adamId');
  const parents = idParam(req.query, 'parentAdamId');
  const all = byAdamId(location).filter(
    (s) =>
      ctx.faults.config.ignoreFilters === true ||
      ((!adamIds || adamIds.has(s.adamId)) &&
        (!parents || (s.parentAdamId !== null && parents.has(s.parentAdamId)))),
  );
  const page = cursorPage(
    all,
    stringParam(req.query, 'cursor'),
    { endpoint: 'subscriptions', filters: filterKey(req.query, ['adamId', 'parentAdamId']) },
    ctx.options.pageSize,
  );
  return {
    subscriptions: page.items.map(subscriptionView),
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
    versionId: location.subscriptionVersions.subscriptions,
  };
};

/** `GET subscriptions/assignments`, filtered by `adamId`, `parentAdamId` and `clientUserId`, in (adamId, clientUserId) order. */
export const getSubscriptionAssignments: AppleHandler = (ctx, req) => {
  const location = started(ctx, req);
  const adamIds = idParam(req.query, 'adamId');
  const parents = idParam(req.query, 'parentAdamId');
  const users = listParam(req.query, 'clientUserId');
  const ignore = ctx.faults.config.ignoreFilters === true;
  const wanted = (s: SubscriptionRecord) =>
    ignore ||
    ((!adamIds || adamIds.has(s.adamId)) &&
      (!parents || (s.parentAdamId !== null && parents.has(s.parentAdamId))));
  const all = byAdamId(location)
    .filter(wanted)
    .flatMap((s) =>
      [...s.seats.values()]
        .filter((seat) => ignore || !users || users.includes(seat.clientUserId))
        .sort((a, b) => a.clientUserId.localeCompare(b.clientUserId))
        .map((seat) => ({ adamId: s.adamId, clientUserId: seat.clientUserId, renewing: seat.renewing })),
    );
  const page = cursorPage(
    all,
    stringParam(req.query, 'cursor'),
    {
      endpoint: 'subscriptions/assignments',
      filters: filterKey(req.query, ['adamId', 'parentAdamId', 'clientUserId']),
    },
    ctx.options.pageSize,
  );
  return {
    assignments: page.items,
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
    versionId: location.subscriptionVersions.assignments,
  };
};

/** `GET subscriptions/admins`, by `adamId`; `userStatus` only with `includeUserState=true`. */
export const getSubscriptionAdmins: AppleHandler = (ctx, req) => {
  const location = started(ctx, req);
  const adamIds = idParam(req.query, 'adamId');
  const withState = booleanParam(req.query, 'includeUserState') === true;
  const all = byAdamId(location)
    .filter((s) => !adamIds || adamIds.has(s.adamId))
    .flatMap((s) =>
      [...s.admins].sort().map((clientUserId) => {
        const user = activeUser(location, clientUserId);
        return {
          adamId: s.adamId,
          clientUserId,
          ...(user?.idHash !== undefined && { idHash: user.idHash }),
          ...(withState && user && { userStatus: user.status }),
        };
      }),
    );
  const page = cursorPage(
    all,
    stringParam(req.query, 'cursor'),
    { endpoint: 'subscriptions/admins', filters: filterKey(req.query, ['adamId', 'includeUserState']) },
    ctx.options.pageSize,
  );
  return {
    admins: page.items,
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
    versionId: location.subscriptionVersions.admins,
  };
};

/** The checked body of a subscription write: unique ids the location holds, unique users, the flags. */
function manageRequest(ctx: SimulatorContext, req: AppleRequest) {
  let raw: Record<string, unknown>;
  try {
    raw = bodyObject(req.body);
  } catch {
    throw new AppleError(9811);
  }
  const { adamIds, clientUserIds, renewing, deferred } = raw;
  if (!Array.isArray(adamIds) || adamIds.length === 0) throw new AppleError(9811);
  if (!Array.isArray(clientUserIds) || clientUserIds.length === 0) throw new AppleError(9811);
  for (const id of adamIds) {
    if (typeof id === 'string') throw new AppleError(9813);
    if (typeof id !== 'number') throw new AppleError(9811);
    if (!Number.isSafeInteger(id) || id <= 0) throw new AppleError(9813);
  }
  if (clientUserIds.some((u) => typeof u !== 'string' || u === '')) throw new AppleError(9811);
  if (
    (renewing !== undefined && typeof renewing !== 'boolean') ||
    (deferred !== undefined && typeof deferred !== 'boolean')
  )
    throw new AppleError(9811);
  const ids = [...new Set(adamIds as number[])];
  const users = [...new Set(clientUserIds as string[])];
  if (
    ids.length > limit(ctx, 'maxSubscriptions') ||
    users.length > limit(ctx, 'maxSubscriptionClientUserIds')
  )
    throw new AppleError(9816);
  const subscriptions = ids.map((id) => req.location.subscriptions.get(id));
  if (subscriptions.some((s) => s === undefined)) throw new AppleError(9813);
  return {
    adamIds: ids,
    clientUserIds: users,
    subscriptions: subscriptions as SubscriptionRecord[],
    renewing: renewing !== false, // omitted: renewing (U10)
    deferred: deferred === true,
  };
}

function manageSubscriptions(action: 'associate' | 'disassociate'): AppleHandler {
  return (ctx, req) => {
    const location = started(ctx, req);
    const request = manageRequest(ctx, req);
    if (action === 'associate' && request.subscriptions.some((s) => s.status !== 'ACTIVE'))
      throw new AppleError(9811);
    const event = ctx.events.accept(
      location,
      action === 'associate' ? 'ASSOCIATE' : 'DISASSOCIATE',
      {
        kind: 'subscriptions',
        adamIds: request.adamIds,
        clientUserIds: request.clientUserIds,
        renewing: request.renewing,
        deferred: request.deferred,
      },
      request.adamIds.length * request.clientUserIds.length,
    );
    return { eventId: event.eventId };
  };
}

/** `POST subscriptions/associate`. */
export const associateSubscriptions = manageSubscriptions('associate');
/** `POST subscriptions/disassociate`. */
export const disassociateSubscriptions = manageSubscriptions('disassociate');

/** `POST subscriptions/admins/add` and `remove`: synchronous; users must be active to be added (U25). */
function manageAdmins(action: 'add' | 'remove'): AppleHandler {
  return (ctx, req) => {
    const location = started(ctx, req);
    const request = manageRequest(ctx, req);
    if (action === 'add' && request.clientUserIds.some((u) => !activeUser(location, u)))
      throw new AppleError(9814);
    for (const subscription of request.subscriptions)
      for (const user of request.clientUserIds)
        if (action === 'add') subscription.admins.add(user);
        else subscription.admins.delete(user);
    subscriptionsChanged(location, 'admins');
    ctx.changed();
    return { versionId: location.subscriptionVersions.admins };
  };
}

export const addSubscriptionAdmins = manageAdmins('add');
export const removeSubscriptionAdmins = manageAdmins('remove');
