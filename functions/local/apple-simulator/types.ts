/**
 * Public types of the Apple simulator: what tests, the local runtime and the out-of-process control
 * API exchange with it. Inputs that can arrive over HTTP (`/_sim/...`) are zod schemas, and their
 * types are inferred from them so the in-process and HTTP controls accept exactly the same data.
 */
import * as z from 'zod';
import { DEFAULT_LIMITS } from '#application/ports/vpp-client.ts';
import {
  type AssetKey,
  type MdmInfo,
  PricingParamSchema,
  ProductTypeSchema,
} from '#application/ports/vpp-schemas.ts';

/** Platforms Apple lists in `supportedPlatforms`. */
export const PlatformSchema = z.enum(['iOS', 'macOS', 'tvOS', 'watchOS', 'visionOS']);
export type Platform = z.infer<typeof PlatformSchema>;

/** An asset as the simulator's controls name it: Apple's identity pair. */
export const AssetRefSchema = z.object({ adamId: z.string().min(1), pricingParam: PricingParamSchema });
export type AssetRef = z.infer<typeof AssetRefSchema>;

/** What a purchase needs to know to create an asset the location did not hold yet. */
export const AssetDetailsSchema = z.object({
  productType: ProductTypeSchema,
  name: z.string().min(1),
  /** Ignored for books: a book is never device-assignable. */
  deviceAssignable: z.boolean().optional(),
  /** Ignored for books: a book is never revocable. Apps default to revocable. */
  revocable: z.boolean().optional(),
  supportedPlatforms: z.array(PlatformSchema).optional(),
  bundleId: z.string().optional(),
});
export type AssetDetails = z.infer<typeof AssetDetailsSchema>;

/** Exactly one of the two: a device (serial number) or a user (clientUserId). */
export const AssignTargetSchema = z
  .object({ serialNumber: z.string().min(1).optional(), clientUserId: z.string().min(1).optional() })
  .refine((t) => (t.serialNumber === undefined) !== (t.clientUserId === undefined), {
    message: 'give exactly one of serialNumber and clientUserId',
  });
export type AssignTarget = z.infer<typeof AssignTargetSchema>;

// --- seeding ---------------------------------------------------------------------------------------

export const SeedAssetSchema = z
  .object({
    adamId: z.string().regex(/^\d+$/, 'adamId is numeric text'),
    pricingParam: PricingParamSchema,
    productType: ProductTypeSchema,
    name: z.string().min(1),
    totalCount: z.number().int().nonnegative().optional(),
    unlimited: z.literal(true).optional(),
    retiredCount: z.number().int().nonnegative().optional(),
    deviceAssignable: z.boolean(),
    revocable: z.boolean().optional(),
    supportedPlatforms: z.array(PlatformSchema).optional(),
    bundleId: z.string().optional(),
  })
  .refine((a) => (a.totalCount === undefined) !== (a.unlimited === undefined), {
    message: 'give either totalCount or unlimited: true',
  });
export type SeedAsset = z.infer<typeof SeedAssetSchema>;

/** A user to seed. */
export const SeedUserSchema = z.object({
  clientUserId: z.string().min(1),
  email: z.string().optional(),
  managedAppleId: z.string().optional(),
  /** Default: `Associated` when `managedAppleId` is in the organisation's domain, else `Registered`. */
  status: z.enum(['Registered', 'Associated', 'Retired']).optional(),
  /** Fixed values make seeded data reproducible; generated when omitted. */
  inviteCode: z.string().optional(),
  idHash: z.string().optional(),
});
export type SeedUser = z.infer<typeof SeedUserSchema>;

/** An assignment to seed (the asset and user must be seeded too). */
export const SeedAssignmentSchema = z
  .object({
    adamId: z.string().min(1),
    pricingParam: PricingParamSchema,
    serialNumber: z.string().min(1).optional(),
    clientUserId: z.string().min(1).optional(),
  })
  .refine((t) => (t.serialNumber === undefined) !== (t.clientUserId === undefined), {
    message: 'an assignment names exactly one of serialNumber and clientUserId',
  });
export type SeedAssignment = z.infer<typeof SeedAssignmentSchema>;

/** A volume subscription to seed (apple-subscriptions.md §7): its licences, seats and admins. */
export const SeedSubscriptionSchema = z.object({
  adamId: z.number().int().positive(),
  parentAdamId: z.number().int().positive().nullable().optional(),
  name: z.string().min(1).optional(),
  /** Default ACTIVE; applied after the seats, so a paused subscription keeps its seats. */
  status: z.enum(['ACTIVE', 'INACTIVE', 'PAUSED']).default('ACTIVE'),
  /** `YYYY-MM-DD`; default: a month after the simulator's `now()`. */
  periodEndDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  seats: z.object({
    renewing: z.number().int().nonnegative().default(0),
    expiring: z.number().int().nonnegative().default(0),
  }),
  /** Seats taken by the MDM (the users must be seeded too). */
  assignments: z.array(z.object({ clientUserId: z.string().min(1), renewing: z.boolean() })).default([]),
  admins: z.array(z.string().min(1)).default([]),
});
export type SeedSubscription = z.input<typeof SeedSubscriptionSchema>;

/** A location to seed, with its assets, users and assignments. */
export const SeedLocationSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  uId: z.string().min(1).optional(),
  countryISO2ACode: z.string().length(2).optional(),
  defaultPlatform: z.string().optional(),
  websiteURL: z.string().optional(),
  /** ISO 8601; default: one year after the simulator's `now()`. */
  tokenExpiresAt: z.union([z.string(), z.date()]).optional(),
  assets: z.array(SeedAssetSchema).default([]),
  users: z.array(SeedUserSchema).optional(),
  assignments: z.array(SeedAssignmentSchema).optional(),
  subscriptions: z.array(SeedSubscriptionSchema).optional(),
  /** What `subscriptions/enable`/`disable` last set (U3: none can read it; default `unstated`). */
  subscriptionManagement: z.enum(['unstated', 'enabled', 'disabled']).optional(),
});
export type SeedLocation = z.input<typeof SeedLocationSchema>;

/** Initial or additional data: organisations with their locations. */
export const SeedInputSchema = z.object({
  organizations: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      managedAppleIdDomain: z.string().optional(),
      locations: z.array(SeedLocationSchema),
    }),
  ),
});
export type SeedInput = z.input<typeof SeedInputSchema>;

/** What `seed()` created or extended. */
export interface SeedResult {
  readonly locations: {
    readonly id: string;
    readonly uId: string;
    readonly organizationId: string;
    /** `.vpptoken` file contents valid for this location. */
    readonly tokens: string[];
  }[];
}

// --- faults ----------------------------------------------------------------------------------------

/**
 * `throttle` 429/9646 · `server_error` 5xx (Apple JSON with `errorNumber`, else an HTML page) ·
 * `unavailable` 503/9729 · `slow` delay, then normal · `legacy200` error bodies with HTTP 200 ·
 * `drop_connection` socket closed, nothing processed · `accept_then_fail` processed, then a 5xx
 * without an Apple body (the outcome is unknown to the client) unless `errorNumber` is given.
 */
export const FaultKindSchema = z.enum([
  'throttle',
  'server_error',
  'unavailable',
  'slow',
  'legacy200',
  'drop_connection',
  'accept_then_fail',
]);
export type FaultKind = z.infer<typeof FaultKindSchema>;

/** One HTTP-level fault rule. */
export const FaultRuleSchema = z.object({
  /**
   * `'GET assets'`, `'POST assets/associate'`, or a bare path for any method; omitted = every `/mdm/v2`
   * endpoint. The metadata lookup is affected only when named (`'GET lookup'`).
   */
  endpoint: z.string().optional(),
  /** Fires on the next `times` matching requests, then retires. */
  times: z.number().int().positive().optional(),
  /** Fires on each matching request with this probability (seeded RNG). */
  probability: z.number().min(0).max(1).optional(),
  kind: FaultKindSchema,
  status: z.number().int().min(200).max(599).optional(),
  errorNumber: z.number().int().optional(),
  /** Sent as `Retry-After`: seconds (`'2'`) or an HTTP-date. */
  retryAfter: z.string().optional(),
  delayMs: z.number().int().nonnegative().optional(),
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;

/** The whole fault configuration (`setFaults` replaces it). */
export const FaultConfigSchema = z.object({
  rules: z.array(FaultRuleSchema).optional(),
  notifications: z
    .object({
      dropProbability: z.number().min(0).max(1).optional(),
      duplicateProbability: z.number().min(0).max(1).optional(),
      delayMs: z.number().int().nonnegative().optional(),
      dropAll: z.boolean().optional(),
    })
    .optional(),
  events: z
    .object({
      maintenanceProbability: z.number().min(0).max(1).optional(),
      taskFailureProbability: z.number().min(0).max(1).optional(),
    })
    .optional(),
  versionChangeBetweenPages: z.boolean().optional(),
  pagesGrow: z.boolean().optional(),
  /**
   * An Apple that ignores the query's filters (`adamId`, `pricingParam`, `clientUserId`,
   * `serialNumber`, the asset flags, `activeOnly`/`retiredOnly`): every record of the location
   * answers, paging and `sinceVersionId` still apply. For checking that a client checks the answers.
   */
  ignoreFilters: z.boolean().optional(),
});
export type FaultConfig = z.infer<typeof FaultConfigSchema>;

// --- options and the handle ------------------------------------------------------------------------

/**
 * The limits the simulator's `service/config` answers with: Apple's documented ones (the client's
 * `DEFAULT_LIMITS`, the subscription endpoints' included); `SimulatorOptions.limits` overrides any.
 */
export const SIMULATOR_LIMITS: Readonly<Record<string, number>> = { ...DEFAULT_LIMITS };

/** Options of `startAppleSimulator`; every one is optional. */
export interface SimulatorOptions {
  /** 0 = a random free port (default). The host is always 127.0.0.1. */
  port?: number;
  /** Load `${stateDir}/state.json` at start and save it (debounced, atomic) after changes and on close. */
  stateDir?: string;
  /** Local mode: accept `http://` notification URLs (default false: HTTPS only, else 9712). */
  allowHttpNotifications?: boolean;
  /** Records per page of `assets`, `assignments` and `users` (default 1000). */
  pageSize?: number;
  /** Asynchronous events are processed this long after acceptance (default 1000 ms). */
  eventDelayMs?: number;
  /** Delay between the up to three delivery attempts of a notification (default 1000 ms). */
  notificationRetryMs?: number;
  /** Clock for token expiry and timestamps (default: the system clock). */
  now?: () => Date;
  /** Overrides of the limits served by `service/config` and enforced by validation. */
  limits?: Partial<Record<string, number>>;
  /** Default true: more than `maxRequestPerSecond` requests per location in a sliding second → 429/9646. */
  enforceRateLimit?: boolean;
  /** The answer to a bearer that is no known token (reference §14.1; default 9622). */
  unknownTokenError?: 9622 | 9601;
  /** Seeds the RNG behind probabilistic faults. */
  randomSeed?: number;
  /** Initial data, applied only when the state is empty. */
  seed?: 'demo' | SeedInput;
  /** No log lines on stderr. */
  quiet?: boolean;
}

/** One attempt to deliver a notification. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly status?: number;
  readonly error?: string;
}

/** The delivery log entry of one notification (one `notificationId`). */
export interface DeliveryLogEntry {
  readonly notificationId: string;
  readonly notificationType: string;
  readonly locationId: string;
  readonly url: string;
  readonly authToken: string;
  readonly envelope: Record<string, unknown>;
  /** `pending` until delivered, given up (`failed`) or never sent (`dropped` by a fault). */
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
  /** True when a fault sent it twice (same `notificationId`). */
  duplicated: boolean;
  readonly attempts: DeliveryAttempt[];
}

/** The whole simulator state as plain JSON, for tests and `GET /_sim/state`. */
export interface SimulatorSnapshot {
  readonly organizations: { id: string; name: string; managedAppleIdDomain?: string }[];
  readonly locations: SnapshotLocation[];
  readonly tokens: {
    content: string;
    locationId: string;
    expiresAt: string;
    expired: boolean;
    revoked: boolean;
  }[];
  readonly events: SnapshotEvent[];
  readonly notifications: DeliveryLogEntry[];
}

/** One location in a snapshot, with its data and notification settings. */
export interface SnapshotLocation {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly uId: string;
  readonly countryISO2ACode: string;
  readonly defaultPlatform: string;
  readonly websiteURL: string;
  readonly mdmInfo?: MdmInfo;
  readonly notificationUrl?: string;
  readonly notificationAuthToken?: string;
  readonly subscribedNotificationTypes: string[];
  /** `.vpptoken` contents that still work for this location, oldest first (`.at(-1)` is the newest). */
  readonly tokens: string[];
  readonly assets: {
    adamId: string;
    pricingParam: string;
    productType: string;
    name: string;
    unlimited: boolean;
    totalCount: number;
    assignedCount: number;
    availableCount: number;
    retiredCount: number;
    deviceAssignable: boolean;
    revocable: boolean;
    supportedPlatforms: string[];
    bundleId?: string;
  }[];
  readonly assignments: {
    adamId: string;
    pricingParam: string;
    serialNumber?: string;
    clientUserId?: string;
  }[];
  readonly users: {
    clientUserId: string;
    email?: string;
    managedAppleId?: string;
    status: string;
    inviteCode?: string;
    idHash?: string;
  }[];
  readonly assetsVersionId: string;
  readonly assignmentsVersionId: string;
  readonly usersVersionId: string;
  readonly subscriptionManagement: 'unstated' | 'enabled' | 'disabled';
  readonly subscriptions: {
    adamId: number;
    parentAdamId: number | null;
    name: string;
    status: 'ACTIVE' | 'INACTIVE' | 'PAUSED';
    periodEndDate: string;
    counts: {
      assigned: { renewing: number; expiring: number };
      available: { renewing: number; expiring: number };
      total: { renewing: number; expiring: number };
    };
    seats: {
      clientUserId: string;
      renewing: boolean;
      backing: 'renewing' | 'expiring';
      source: 'mdm' | 'group';
      pendingRemovalEventId?: string;
    }[];
    admins: string[];
  }[];
}

/** One event in a snapshot. */
export interface SnapshotEvent {
  readonly eventId: string;
  readonly locationId: string;
  readonly eventType: string;
  readonly eventStatus: 'PENDING' | 'COMPLETE' | 'FAILED';
  readonly numRequested: number;
  readonly numCompleted: number;
  readonly failures: { errorNumber: number; errorMessage: string; errorInfo?: Record<string, unknown> }[];
}

/** A running simulator. Every Apple-side action behaves as at Apple: counts, versions and notifications follow. */
export interface AppleSimulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `${url}/mdm/v2` */
  readonly baseUrl: string;
  /** Stops timers, saves the state and closes the server, leaving no handle open. */
  close(): Promise<void>;
  seed(input: SeedInput): SeedResult;
  /** A new `.vpptoken` file content for the location. */
  issueToken(locationId: string, opts?: { expiresAt?: Date }): string;
  setFaults(faults: FaultConfig): void;
  clearFaults(): void;
  snapshot(): SimulatorSnapshot;
  /** Requests received per endpoint (`'GET assets'`, `'POST assets/associate'`, `'GET lookup'`, ...). */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** Every authenticated Apple request since the last reset: its location (one per token) and arrival time by the simulator's clock. */
  requests(): readonly LoggedRequest[];
  resetRequests(): void;
  /**
   * Processes every pending event now and waits until every due notification delivery has finished,
   * retries included (their wait is skipped). Deliveries held back by a `notifications.delayMs` fault
   * are not due yet: they arrive later, by their own timer.
   */
  settle(): Promise<void>;
  purchase(locationId: string, asset: AssetKey, count: number, details?: AssetDetails): void;
  refund(locationId: string, asset: AssetKey, count: number): void;
  transfer(fromLocationId: string, toLocationId: string, asset: AssetKey, count: number): void;
  externalAssign(locationId: string, asset: AssetKey, target: AssignTarget): void;
  externalUnassign(locationId: string, asset: AssetKey, target: AssignTarget): void;
  acceptInvitation(locationId: string, clientUserId: string, appleAccount?: string): void;
  expireToken(tokenFileContent: string): void;
  revokeToken(tokenFileContent: string): void;
  claimByOtherMdm(locationId: string, mdmInfo: MdmInfo, notificationUrl?: string): void;
  /** What happens on Apple's portal to a location's subscriptions, and the end of a billing period. */
  subscriptionAction(locationId: string, action: SubscriptionAction): void;
}

/**
 * Portal-side subscription actions (apple-subscriptions.md §7): buy seats (creating the subscription),
 * mark unassigned renewing seats for expiration, set the status, seat a user through a group, or end
 * the current billing period now (U21's hook; periods also end by the simulator's clock).
 */
export const SubscriptionActionSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('purchase'),
    adamId: z.number().int().positive(),
    renewing: z.number().int().nonnegative().optional(),
    expiring: z.number().int().nonnegative().optional(),
    parentAdamId: z.number().int().positive().nullable().optional(),
    name: z.string().min(1).optional(),
    periodEndDate: z.string().optional(),
  }),
  z.object({
    action: z.literal('mark-expiring'),
    adamId: z.number().int().positive(),
    count: z.number().int().positive(),
  }),
  z.object({
    action: z.literal('set-status'),
    adamId: z.number().int().positive(),
    status: z.enum(['ACTIVE', 'INACTIVE', 'PAUSED']),
  }),
  z.object({
    action: z.literal('group-assign'),
    adamId: z.number().int().positive(),
    clientUserId: z.string().min(1),
    renewing: z.boolean(),
  }),
  z.object({ action: z.literal('end-period'), adamId: z.number().int().positive().optional() }),
]);
export type SubscriptionAction = z.infer<typeof SubscriptionActionSchema>;

/** One authenticated Apple request as `/_sim/requests` lists it. */
export interface LoggedRequest {
  /** The location whose token sent it (Apple's rate is per token). */
  readonly location: string;
  /** Arrival time by the simulator's clock (epoch ms). */
  readonly at: number;
  /** The endpoint key, e.g. `GET assets`. */
  readonly endpoint: string;
  /** Answered 9646 (over the rate limit). */
  readonly refused: boolean;
}
