/**
 * Volume subscriptions at Apple (apple-subscriptions.md §1, §7): licences (seats) by renewal, the
 * users' assignments, admins, and the billing period's end. Counts are derived from the seats, never
 * stored, so Apple's invariant (assigned + available = total) always holds:
 * - `assigned.renewing`/`expiring` count assignments by their `renewing` flag;
 * - `available.X` = licences X − assignments taken from an X licence (a renewing assignment always
 *   takes a renewing one; an expiring assignment takes an expiring licence first, U8).
 *
 * The choices where Apple is silent are the reference's §9 CHOICEs, named by their number. Portal
 * actions (purchases, seats marked for expiration, status changes, group assignments) and the
 * period's end are the simulator's controls; each inventory change sends `SUBSCRIPTION_COUNT` (U19).
 */
import { randomUUID } from 'node:crypto';
import type { SeatCounts, SubscriptionCounts } from '#application/ports/vpp-schemas.ts';
import type { SimulatorContext } from './context.ts';
import {
  activeUser,
  type LocationRecord,
  requireLocation,
  SimulatorUsageError,
  type SubscriptionRecord,
  type SubscriptionSeatRecord,
} from './state.ts';
import type { SubscriptionAction } from './types.ts';

/** The three data sets of cursor reads, each with its own `versionId` (U15). */
export type SubscriptionDataSet = 'subscriptions' | 'assignments' | 'admins';

/** A new `versionId` for each data set that changed. */
export function subscriptionsChanged(location: LocationRecord, ...sets: SubscriptionDataSet[]): void {
  for (const set of sets) location.subscriptionVersions[set] = randomUUID();
}

/** Fresh versions for a location that has never had subscriptions. */
export function newSubscriptionVersions(): LocationRecord['subscriptionVersions'] {
  return { subscriptions: randomUUID(), assignments: randomUUID(), admins: randomUUID() };
}

/** Apple's counts of a subscription, derived from its licences and seats. */
export function subscriptionCounts(subscription: SubscriptionRecord): SubscriptionCounts {
  const assigned: SeatCounts = { renewing: 0, expiring: 0 };
  const taken: SeatCounts = { renewing: 0, expiring: 0 };
  for (const seat of subscription.seats.values()) {
    assigned[seat.renewing ? 'renewing' : 'expiring']++;
    taken[seat.backing]++;
  }
  const { renewing, expiring } = subscription.licences;
  return {
    assigned,
    available: { renewing: renewing - taken.renewing, expiring: expiring - taken.expiring },
    total: { renewing, expiring },
  };
}

/** A subscription as `GET subscriptions` lists it. */
export function subscriptionView(subscription: SubscriptionRecord) {
  return {
    parentAdamId: subscription.parentAdamId,
    adamId: subscription.adamId,
    status: subscription.status,
    periodEndDate: subscription.periodEndDate,
    counts: subscriptionCounts(subscription),
  };
}

/** "Subscriptions exist" for 9818: any with a licence (zero-count records do not block, U5). */
export function holdsSubscriptions(location: LocationRecord): boolean {
  return [...location.subscriptions.values()].some((s) => s.licences.renewing + s.licences.expiring > 0);
}

/** The outcome of one (adamId, clientUserId) task of an associate or disassociate event. */
export interface SubscriptionTaskResult {
  readonly assignment: { adamId: number; clientUserId: string; renewing: boolean };
  readonly error?: number;
}

/** Takes a free licence for a new seat: renewing ones need a renewing licence; expiring ones prefer expiring (U8). */
function freeBacking(
  subscription: SubscriptionRecord,
  renewing: boolean,
): 'renewing' | 'expiring' | undefined {
  const { available } = subscriptionCounts(subscription);
  if (renewing) return available.renewing > 0 ? 'renewing' : undefined;
  if (available.expiring > 0) return 'expiring';
  return available.renewing > 0 ? 'renewing' : undefined;
}

/**
 * Associates one user with one subscription. The user must be active, Registered or Associated
 * (9814, U29); a group's seat cannot be moved (9817, U26); a seat already held keeps its place with
 * the flag asked (U9: a renewing one on an expiring licence moves to a renewing licence, or 9709);
 * no free licence is 9709 (U7). An associate cancels a deferred removal of the same seat.
 */
export function runSubscriptionAssociate(
  location: LocationRecord,
  adamId: number,
  clientUserId: string,
  renewing: boolean,
): SubscriptionTaskResult {
  const assignment = { adamId, clientUserId, renewing };
  const user = activeUser(location, clientUserId);
  const subscription = location.subscriptions.get(adamId);
  if (!user) return { assignment, error: 9814 };
  if (!subscription) return { assignment, error: 9813 };
  const seat = subscription.seats.get(clientUserId);
  if (seat?.source === 'group') return { assignment, error: 9817 };
  if (seat) {
    if (renewing && seat.backing === 'expiring') {
      if (freeBacking(subscription, true) === undefined) return { assignment, error: 9709 };
      seat.backing = 'renewing';
    }
    seat.renewing = renewing;
    delete seat.pendingRemovalEventId;
  } else {
    const backing = freeBacking(subscription, renewing);
    if (backing === undefined) return { assignment, error: 9709 };
    subscription.seats.set(clientUserId, {
      clientUserId,
      userRef: user.ref,
      renewing,
      backing,
      source: 'mdm',
    });
  }
  subscriptionsChanged(location, 'subscriptions', 'assignments');
  return { assignment };
}

/**
 * Disassociates one user from one subscription: at once, freeing the licence, or (`deferred`) at the
 * period's end, the seat and counts unchanged until then (U17). Unknown user 9814, no seat 9815, a
 * group's seat 9817.
 */
export function runSubscriptionDisassociate(
  location: LocationRecord,
  adamId: number,
  clientUserId: string,
  deferred: boolean,
  eventId: string,
): SubscriptionTaskResult {
  const user = activeUser(location, clientUserId);
  const subscription = location.subscriptions.get(adamId);
  const seat = subscription?.seats.get(clientUserId);
  const assignment = { adamId, clientUserId, renewing: seat?.renewing ?? true };
  if (!user) return { assignment, error: 9814 };
  if (!subscription) return { assignment, error: 9813 };
  if (!seat) return { assignment, error: 9815 };
  if (seat.source === 'group') return { assignment, error: 9817 };
  if (deferred) seat.pendingRemovalEventId ??= eventId;
  else {
    subscription.seats.delete(clientUserId);
    subscriptionsChanged(location, 'subscriptions', 'assignments');
  }
  return { assignment };
}

/** A retired user's seats and admin roles go at once, without a notification (U23). */
export function retireSubscriptionSeats(
  location: LocationRecord,
  userRef: string,
  clientUserId: string,
): void {
  let changed = false;
  for (const subscription of location.subscriptions.values()) {
    if (subscription.seats.get(clientUserId)?.userRef === userRef) {
      subscription.seats.delete(clientUserId);
      changed = true;
    }
    if (subscription.admins.delete(clientUserId)) subscriptionsChanged(location, 'admins');
  }
  if (changed) subscriptionsChanged(location, 'subscriptions', 'assignments');
}

// --- the period's end (U17, U18, U21, U35) ------------------------------------------------------

/** The first instant after the period: 00:00Z on `periodEndDate`. */
const periodEnds = (subscription: SubscriptionRecord) =>
  Date.parse(`${subscription.periodEndDate}T00:00:00Z`);

/** The date one calendar month later (a 31st becomes the next month's last day). */
export function nextPeriodEnd(date: string): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` one month after `now`. */
export const periodEndAfter = (now: Date) => nextPeriodEnd(now.toISOString().slice(0, 10));

/**
 * Ends one billing period: deferred removals run (notified with their own event ids), expiring
 * assignments lapse silently (U18), expiring licences go, the renewing ones renew; a subscription
 * left without licences is `INACTIVE` (U35). One `SUBSCRIPTION_COUNT` says the new inventory.
 */
function endPeriod(ctx: SimulatorContext, location: LocationRecord, subscription: SubscriptionRecord): void {
  const removed = new Map<string, SubscriptionSeatRecord[]>();
  for (const seat of [...subscription.seats.values()]) {
    if (seat.pendingRemovalEventId !== undefined) {
      removed.set(seat.pendingRemovalEventId, [...(removed.get(seat.pendingRemovalEventId) ?? []), seat]);
      subscription.seats.delete(seat.clientUserId);
    } else if (!seat.renewing) subscription.seats.delete(seat.clientUserId);
  }
  subscription.licences.expiring = 0;
  if (subscription.licences.renewing === 0) subscription.status = 'INACTIVE';
  subscription.periodEndDate = nextPeriodEnd(subscription.periodEndDate);
  subscriptionsChanged(location, 'subscriptions', 'assignments');
  for (const [eventId, seats] of removed)
    for (let i = 0; i < seats.length; i += 100)
      ctx.notifier.enqueue(location, 'SUBSCRIPTION_MANAGEMENT', {
        type: 'DISASSOCIATE',
        result: 'SUCCESS',
        eventId,
        assignments: seats.slice(i, i + 100).map((s) => ({
          adamId: subscription.adamId,
          clientUserId: s.clientUserId,
          renewing: s.renewing,
        })),
      });
  notifyCount(ctx, location, subscription);
}

/** Ends every period that has passed by the simulator's clock (called before each subscription request). */
export function endDuePeriods(ctx: SimulatorContext, location: LocationRecord): void {
  const now = ctx.now().getTime();
  for (const subscription of location.subscriptions.values())
    for (let n = 0; n < 240 && periodEnds(subscription) <= now; n++) endPeriod(ctx, location, subscription);
}

// --- portal actions (the simulator's controls) ----------------------------------------------------

function notifyCount(
  ctx: SimulatorContext,
  location: LocationRecord,
  subscription: SubscriptionRecord,
): void {
  const { available, total } = subscriptionCounts(subscription);
  ctx.notifier.enqueue(location, 'SUBSCRIPTION_COUNT', {
    parentAdamId: subscription.parentAdamId,
    adamId: subscription.adamId,
    counts: { available, total },
  });
  ctx.changed();
}

function requireSubscription(location: LocationRecord, adamId: number): SubscriptionRecord {
  const subscription = location.subscriptions.get(adamId);
  if (!subscription) throw new SimulatorUsageError(`subscription ${adamId} is not in ${location.id}`);
  return subscription;
}

/** What a purchase needs to create a subscription the location did not hold. */
export interface SubscriptionDetails {
  readonly parentAdamId?: number | null;
  readonly name?: string;
  readonly periodEndDate?: string;
}

/** Adds a subscription (no licences yet) to a location, as a seed or a first purchase does. */
export function addSubscription(
  ctx: SimulatorContext,
  location: LocationRecord,
  adamId: number,
  details: SubscriptionDetails,
): SubscriptionRecord {
  if (location.subscriptions.has(adamId))
    throw new SimulatorUsageError(`subscription ${adamId} already exists in ${location.id}`);
  const record: SubscriptionRecord = {
    adamId,
    parentAdamId: details.parentAdamId ?? null,
    name: details.name ?? `Subscription ${adamId}`,
    status: 'ACTIVE',
    periodEndDate: details.periodEndDate ?? periodEndAfter(ctx.now()),
    licences: { renewing: 0, expiring: 0 },
    seats: new Map(),
    admins: new Set(),
  };
  location.subscriptions.set(adamId, record);
  subscriptionsChanged(location, 'subscriptions');
  return record;
}

/** A content manager buys seats (creating the subscription in the location if needed). */
export function purchaseSeats(
  ctx: SimulatorContext,
  locationId: string,
  adamId: number,
  seats: Partial<SeatCounts>,
  details: SubscriptionDetails = {},
): void {
  const location = requireLocation(ctx.state, locationId);
  const subscription = location.subscriptions.get(adamId) ?? addSubscription(ctx, location, adamId, details);
  const renewing = seats.renewing ?? 0;
  const expiring = seats.expiring ?? 0;
  if (renewing < 0 || expiring < 0 || renewing + expiring === 0)
    throw new SimulatorUsageError('buy a positive number of renewing or expiring seats');
  subscription.licences.renewing += renewing;
  subscription.licences.expiring += expiring;
  if (subscription.status === 'INACTIVE') subscription.status = 'ACTIVE';
  subscriptionsChanged(location, 'subscriptions');
  notifyCount(ctx, location, subscription);
}

/** A content manager marks unassigned renewing seats for expiration. */
export function markSeatsExpiring(
  ctx: SimulatorContext,
  locationId: string,
  adamId: number,
  count: number,
): void {
  const location = requireLocation(ctx.state, locationId);
  const subscription = requireSubscription(location, adamId);
  if (!Number.isInteger(count) || count <= 0 || subscriptionCounts(subscription).available.renewing < count)
    throw new SimulatorUsageError(`subscription ${adamId} has fewer than ${count} unassigned renewing seats`);
  subscription.licences.renewing -= count;
  subscription.licences.expiring += count;
  subscriptionsChanged(location, 'subscriptions');
  notifyCount(ctx, location, subscription);
}

/** Apple (or the developer) pauses, ends or resumes a subscription. */
export function setSubscriptionStatus(
  ctx: SimulatorContext,
  locationId: string,
  adamId: number,
  status: SubscriptionRecord['status'],
): void {
  const location = requireLocation(ctx.state, locationId);
  const subscription = requireSubscription(location, adamId);
  subscription.status = status;
  subscriptionsChanged(location, 'subscriptions');
  notifyCount(ctx, location, subscription);
}

/** A seat given through a group on the portal (U26): listed, counted, and out of the API's reach (9817). */
export function groupAssign(
  ctx: SimulatorContext,
  locationId: string,
  adamId: number,
  clientUserId: string,
  renewing: boolean,
): void {
  const location = requireLocation(ctx.state, locationId);
  const subscription = requireSubscription(location, adamId);
  const user = activeUser(location, clientUserId);
  if (!user) throw new SimulatorUsageError(`user ${clientUserId} is not active in ${location.id}`);
  if (subscription.seats.has(clientUserId))
    throw new SimulatorUsageError(`user ${clientUserId} already holds subscription ${adamId}`);
  const backing = freeBacking(subscription, renewing);
  if (backing === undefined) throw new SimulatorUsageError(`subscription ${adamId} has no free seat`);
  subscription.seats.set(clientUserId, {
    clientUserId,
    userRef: user.ref,
    renewing,
    backing,
    source: 'group',
  });
  subscriptionsChanged(location, 'subscriptions', 'assignments');
  ctx.changed();
}

/** One portal action of the simulator's controls. */
export function runSubscriptionAction(
  ctx: SimulatorContext,
  locationId: string,
  action: SubscriptionAction,
): void {
  switch (action.action) {
    case 'purchase':
      purchaseSeats(
        ctx,
        locationId,
        action.adamId,
        { renewing: action.renewing ?? 0, expiring: action.expiring ?? 0 },
        {
          ...(action.parentAdamId !== undefined && { parentAdamId: action.parentAdamId }),
          ...(action.name !== undefined && { name: action.name }),
          ...(action.periodEndDate !== undefined && { periodEndDate: action.periodEndDate }),
        },
      );
      return;
    case 'mark-expiring':
      markSeatsExpiring(ctx, locationId, action.adamId, action.count);
      return;
    case 'set-status':
      setSubscriptionStatus(ctx, locationId, action.adamId, action.status);
      return;
    case 'group-assign':
      groupAssign(ctx, locationId, action.adamId, action.clientUserId, action.renewing);
      return;
    case 'end-period':
      endPeriodNow(ctx, locationId, action.adamId);
      return;
  }
}

/** Ends the current period now, whatever the date (U21's test hook); one subscription or all. */
export function endPeriodNow(ctx: SimulatorContext, locationId: string, adamId?: number): void {
  const location = requireLocation(ctx.state, locationId);
  const subscriptions =
    adamId === undefined ? [...location.subscriptions.values()] : [requireSubscription(location, adamId)];
  for (const subscription of subscriptions) endPeriod(ctx, location, subscription);
  ctx.changed();
}
