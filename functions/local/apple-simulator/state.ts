/**
 * The simulator's in-memory model of Apple's side: organisations, locations (each with its assets,
 * users, assignments and version logs), content tokens and asynchronous events. Maps keep insertion
 * order, which gives paged reads a stable order; `state-store.ts` turns this into JSON and back.
 */
import type {
  AssetKey,
  EventType,
  MdmInfo,
  PricingParam,
  ProductType,
  RequestUser,
} from '#application/ports/vpp-schemas.ts';
import type { DeliveryLogEntry } from './types.ts';
import type { VersionLog } from './versions.ts';

/** Apple reports unlimited assets with this `totalCount` when `unlimited` is omitted (reference §5.1). */
export const INT32_MAX = 2_147_483_647;

/** An organisation (Apple School Manager / Apple Business account). */
export interface OrganizationRecord {
  readonly id: string;
  name: string;
  managedAppleIdDomain?: string;
}

/** An app or book a location holds, identified by (adamId, pricingParam). */
export interface AssetRecord {
  readonly adamId: string;
  readonly pricingParam: PricingParam;
  readonly productType: ProductType;
  name: string;
  bundleId?: string;
  /** Free content Apple lets a location assign without a fixed inventory. */
  unlimited: boolean;
  /** Licences owned; meaningless (0) when unlimited. Invariant: total = assigned + available. */
  totalCount: number;
  assignedCount: number;
  retiredCount: number;
  deviceAssignable: boolean;
  revocable: boolean;
  supportedPlatforms: string[];
}

/** The user states the simulator produces (`Deleted` is legacy, never produced). */
export type UserStatus = 'Registered' | 'Associated' | 'Retired';

/** One user entry of a location. */
export interface UserRecord {
  /** Internal identity: a `clientUserId` can have several entries (retired ones plus one active). */
  readonly ref: string;
  readonly clientUserId: string;
  email?: string;
  managedAppleId?: string;
  status: UserStatus;
  inviteCode?: string;
  /** The code this user accepted, so a second visit to the link can say "already used" (410). */
  usedInviteCode?: string;
  idHash?: string;
  /** Index in the location's users version log of the last change. */
  version: number;
}

/** One licence assigned to a device or a user entry. */
export interface AssignmentRecord {
  readonly adamId: string;
  readonly pricingParam: PricingParam;
  readonly serialNumber?: string;
  readonly clientUserId?: string;
  /** The user entry holding it: after retire + re-create, the old entry keeps its books. */
  readonly userRef?: string;
  version: number;
}

/** Whether the MDM said it manages the location's volume subscriptions (apple-subscriptions.md §1.7, U3). */
export type SubscriptionManagement = 'unstated' | 'enabled' | 'disabled';

/** A user's seat of a subscription (keyed by `clientUserId` in its subscription). */
export interface SubscriptionSeatRecord {
  readonly clientUserId: string;
  /** The user entry holding it: a retired user's seats go with the retirement (U23). */
  readonly userRef: string;
  /** True: renews at the period's end; false: ends then. */
  renewing: boolean;
  /** The kind of licence the seat is taken from (a renewing assignment always sits on a renewing one). */
  backing: 'renewing' | 'expiring';
  /** `group`: assigned through a group on the portal (U26); the API cannot move it (9817). */
  readonly source: 'mdm' | 'group';
  /** A deferred disassociation waiting for the period's end, with the event that asked it (U17). */
  pendingRemovalEventId?: string;
}

/** A volume subscription a location holds: licences (seats), their assignments and admins. */
export interface SubscriptionRecord {
  readonly adamId: number;
  readonly parentAdamId: number | null;
  /** For the metadata lookup and the snapshot; Apple's subscription answers carry no name. */
  name: string;
  status: 'ACTIVE' | 'INACTIVE' | 'PAUSED';
  /** `YYYY-MM-DD`: the current billing period ends at 00:00Z that day (U21). */
  periodEndDate: string;
  /** Licences owned, by renewal. */
  readonly licences: { renewing: number; expiring: number };
  /** Keyed by `clientUserId`, in insertion order. */
  readonly seats: Map<string, SubscriptionSeatRecord>;
  /** `clientUserId`s of the subscription's admins. */
  readonly admins: Set<string>;
}

/** A location (library / org unit): what one content token manages. */
export interface LocationRecord {
  readonly id: string;
  readonly organizationId: string;
  name: string;
  readonly uId: string;
  countryISO2ACode: string;
  defaultPlatform: string;
  websiteURL: string;
  mdmInfo?: MdmInfo;
  notificationUrl?: string;
  notificationAuthToken?: string;
  subscribedNotificationTypes: string[];
  /** Keyed by `assetKey()`. */
  readonly assets: Map<string, AssetRecord>;
  /** Keyed by `UserRecord.ref`, retired entries included. */
  readonly users: Map<string, UserRecord>;
  /** Index: active `clientUserId` → ref. Rebuilt on load, never persisted. */
  readonly activeUsers: Map<string, string>;
  /** Only assignments that exist; keyed by `assignmentKey()`. */
  readonly assignments: Map<string, AssignmentRecord>;
  assetsVersionId: string;
  readonly usersVersions: VersionLog;
  readonly assignmentsVersions: VersionLog;
  nextUserRef: number;
  subscriptionManagement: SubscriptionManagement;
  /** Keyed by `adamId`. */
  readonly subscriptions: Map<number, SubscriptionRecord>;
  /** One version per data set, new on every change (U15). */
  readonly subscriptionVersions: { subscriptions: string; assignments: string; admins: string };
}

/** A content token Apple issued for a location. */
export interface TokenRecord {
  /** The whole `.vpptoken` file content: the bearer credential. */
  readonly content: string;
  readonly locationId: string;
  expiresAt: string;
  /** Set by `expireToken`: answers 9621 whatever the date says. */
  expired: boolean;
  revoked: boolean;
}

/** A task subject of an asset event, in Apple's assignment shape plus the user entry it concerns. */
export interface AssignmentTask {
  readonly adamId: string;
  readonly pricingParam: PricingParam;
  readonly serialNumber?: string;
  readonly clientUserId?: string;
  readonly userRef?: string;
}

/** What an event was asked to do, kept until it is processed (and afterwards). */
export type EventPayload =
  | {
      readonly kind: 'assets';
      readonly assets: AssetKey[];
      readonly clientUserIds: string[];
      readonly serialNumbers: string[];
    }
  | { readonly kind: 'revoke'; readonly tasks: AssignmentTask[] }
  | { readonly kind: 'users'; readonly users: RequestUser[] }
  | {
      readonly kind: 'subscriptions';
      readonly adamIds: number[];
      readonly clientUserIds: string[];
      /** Associate: renewing seats or expiring ones. */
      readonly renewing: boolean;
      /** Disassociate: at the period's end. */
      readonly deferred: boolean;
    };

/** One entry of `StatusResponse.failures`: an error number and what it affected. */
export interface StatusFailure {
  readonly errorNumber: number;
  readonly errorMessage: string;
  readonly errorInfo?: { assets?: AssetKey[]; clientUserIds?: string[]; serialNumbers?: string[] };
}

/** An asynchronous event and its status. */
export interface EventRecord {
  readonly eventId: string;
  readonly locationId: string;
  readonly eventType: EventType;
  eventStatus: 'PENDING' | 'COMPLETE' | 'FAILED';
  readonly numRequested: number;
  numCompleted: number;
  failures: StatusFailure[];
  readonly payload: EventPayload;
  readonly createdAt: string;
  /** Epoch ms (system clock) at which the event is processed. */
  readonly dueAt: number;
  completedAt?: string;
}

/** A delivery log entry plus its schedule. */
export interface Delivery extends DeliveryLogEntry {
  /** Epoch ms (system clock) of the next attempt. */
  dueAt: number;
  /** The next attempt is a retry: `settle()` skips its wait (not a fault's initial delay). */
  retryPending: boolean;
  /** A duplicate-delivery fault: once delivered, the same envelope is sent again. */
  sendTwice: boolean;
}

/** Everything the simulator knows; saved as a whole. */
export interface SimState {
  readonly organizations: Map<string, OrganizationRecord>;
  readonly locations: Map<string, LocationRecord>;
  /** Keyed by file content. */
  readonly tokens: Map<string, TokenRecord>;
  readonly events: Map<string, EventRecord>;
  /** The notification delivery log, oldest first; pending deliveries are in it too. */
  readonly deliveries: Delivery[];
}

/** A location's own facts as Apple describes it, copied out (to save or to show). */
export function locationFacts(
  l: Pick<
    LocationRecord,
    'id' | 'organizationId' | 'name' | 'uId' | 'countryISO2ACode' | 'defaultPlatform' | 'websiteURL'
  >,
) {
  return {
    id: l.id,
    organizationId: l.organizationId,
    name: l.name,
    uId: l.uId,
    countryISO2ACode: l.countryISO2ACode,
    defaultPlatform: l.defaultPlatform,
    websiteURL: l.websiteURL,
  };
}

/** A state with nothing in it. */
export function emptyState(): SimState {
  return {
    organizations: new Map(),
    locations: new Map(),
    tokens: new Map(),
    events: new Map(),
    deliveries: [],
  };
}

/** Identity of an asset: `adamId:pricingParam`. */
export function assetKey(asset: { adamId: string; pricingParam: string }): string {
  return `${asset.adamId}:${asset.pricingParam}`;
}

/** Identity of an assignment: the asset plus a device or a user entry. */
export function assignmentKey(
  asset: { adamId: string; pricingParam: string },
  target: { serialNumber?: string; userRef?: string },
): string {
  return target.serialNumber !== undefined
    ? `${assetKey(asset)}:s:${target.serialNumber}`
    : `${assetKey(asset)}:u:${target.userRef ?? ''}`;
}

/** Licences still free. Unlimited assets report what is left of int32 so the invariant holds. */
export function availableCount(asset: AssetRecord): number {
  return (asset.unlimited ? INT32_MAX : asset.totalCount) - asset.assignedCount;
}

/** The active (non-retired) entry of a clientUserId. */
export function activeUser(location: LocationRecord, clientUserId: string): UserRecord | undefined {
  const ref = location.activeUsers.get(clientUserId);
  return ref === undefined ? undefined : location.users.get(ref);
}

/** Thrown by the simulator's controls when a test asks for something impossible (unknown id, ...). */
export class SimulatorUsageError extends Error {
  override readonly name = 'SimulatorUsageError';
}

/** The location, or a usage error naming the unknown id. */
export function requireLocation(state: SimState, locationId: string): LocationRecord {
  const location = state.locations.get(locationId);
  if (!location) throw new SimulatorUsageError(`unknown location ${locationId}`);
  return location;
}
