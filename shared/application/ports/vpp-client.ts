/**
 * The port through which the service talks to Apple's App and Book Management API v2. The use cases
 * depend on this interface only; `AppleVppHttpClient` is the adapter. Every method takes the content
 * token of the location it acts on (a `Secret`: the whole `.vpptoken` file content).
 *
 * Reads follow Apple's paging; writes are asynchronous at Apple and come back as events. Errors are
 * `VppApiError` with a `kind` and Apple's `errorNumber`.
 */
import type { Secret } from '../../domain/secret.ts';
import type { VppApiError, VppErrorKind } from './vpp-errors.ts';
import type {
  AssetKey,
  Assignment,
  ClientConfig,
  ClientConfigRequest,
  EventType,
  ManageAssetsRequest,
  ManageSubscriptionsRequest,
  PricingParam,
  RequestUser,
  ResponseAsset,
  ResponseMeta,
  ResponseSubscription,
  ResponseUser,
  RevokeAssetsRequest,
  ServiceConfig,
  StatusResponse,
  SubscriptionAdmin,
  SubscriptionAssignment,
  SubscriptionManagementResponse,
} from './vpp-schemas.ts';

/** Apple's dynamic limits from `service/config`, with Apple's documented values where one is missing. */
export interface VppLimits {
  readonly maxAssets: number;
  readonly maxClientUserIds: number;
  readonly maxSerialNumbers: number;
  readonly maxRevokeClientUserIds: number;
  readonly maxRevokeSerialNumbers: number;
  readonly maxUsers: number;
  readonly maxRequestPerSecond: number;
  readonly maxNotificationLength: number;
  readonly maxMdmNameLength: number;
  readonly maxMdmIdLength: number;
  readonly maxMdmMetadataLength: number;
  /** Unique `adamIds` of one subscriptions/associate or disassociate (9816 beyond). */
  readonly maxSubscriptions: number;
  /** Unique `clientUserIds` of one subscriptions/associate or disassociate (9816 beyond). */
  readonly maxSubscriptionClientUserIds: number;
}

/**
 * Apple's documented limits (apple-vpp-api.md §3), used when `service/config` leaves one out; the
 * simulator answers with them too.
 */
export const DEFAULT_LIMITS: VppLimits = {
  maxAssets: 25,
  maxClientUserIds: 1000,
  maxSerialNumbers: 1000,
  maxRevokeClientUserIds: 100,
  maxRevokeSerialNumbers: 100,
  maxUsers: 100,
  maxRequestPerSecond: 15,
  maxNotificationLength: 512,
  maxMdmNameLength: 100,
  maxMdmIdLength: 100,
  maxMdmMetadataLength: 255,
  maxSubscriptions: 25,
  maxSubscriptionClientUserIds: 1000,
};

export interface VppPage<T> {
  readonly items: readonly T[];
  readonly pageIndex: number;
  readonly totalPages: number;
  /** Apple named no next page: the walk ends here. */
  readonly last: boolean;
  readonly versionId: string;
  readonly meta: ResponseMeta;
}

/** A whole paged read. `versionId` is the first page's: the `sinceVersionId` of the next incremental read. */
export interface VppReadResult<T> {
  readonly items: T[];
  readonly versionId: string;
  /** False when Apple's data kept changing during every attempt of the walk (items may be missing). */
  readonly consistent: boolean;
  readonly pages: number;
  readonly meta: ResponseMeta;
}

export interface AssetFilter {
  readonly adamId?: string;
  readonly pricingParam?: PricingParam;
  readonly productType?: 'App' | 'Book';
  readonly deviceAssignable?: boolean;
  readonly revocable?: boolean;
}

export interface AssignmentFilter {
  readonly sinceVersionId?: string;
  readonly adamId?: string;
  readonly pricingParam?: PricingParam;
  readonly serialNumber?: string;
  readonly clientUserId?: string;
  readonly includeUserState?: boolean;
  readonly excludeInactiveUsers?: boolean;
}

export interface UserFilter {
  readonly sinceVersionId?: string;
  readonly clientUserId?: string;
  readonly activeOnly?: boolean;
  readonly retiredOnly?: boolean;
}

/**
 * One page of a cursor walk (subscriptions, their assignments and admins): `nextCursor` is where the
 * next page starts (absent: the walk ends here), so a walk can continue from it in another invocation.
 */
export interface CursorPage<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
  readonly versionId: string;
  readonly meta: ResponseMeta;
}

/** A whole cursor walk: every item, and the last page's `versionId` (the data set's state, §3). */
export interface CursorReadResult<T> {
  readonly items: T[];
  readonly versionId: string;
  readonly pages: number;
  readonly meta: ResponseMeta;
}

/** Filters of `GET subscriptions` (several values of one filter: any of them; filters together: all). */
export interface SubscriptionFilter {
  readonly adamIds?: readonly string[];
  readonly parentAdamIds?: readonly string[];
}

export interface SubscriptionAssignmentFilter extends SubscriptionFilter {
  readonly clientUserIds?: readonly string[];
}

export interface SubscriptionAdminFilter {
  readonly adamIds: readonly string[];
  readonly includeUserState?: boolean;
}

/** One request Apple accepted: its event and exactly what it asked for. */
export interface SubmittedEvent<R> {
  readonly eventId: string;
  readonly request: R;
  readonly meta: ResponseMeta;
}

/**
 * A write split into batches. `rejected` holds the batches Apple refused synchronously (or whose
 * outcome is unknown: kind `outcome_unknown`), each with its error; the rest are `events`.
 */
export interface BatchSubmission<R> {
  readonly events: SubmittedEvent<R>[];
  readonly rejected: { readonly request: R; readonly error: VppApiError }[];
}

/** One failed task group of an event: Apple's number and the subjects and assets it names. */
export interface EventFailure {
  readonly errorNumber: number;
  readonly errorMessage: string;
  readonly kind: VppErrorKind;
  readonly assets: readonly AssetKey[];
  readonly clientUserIds: readonly string[];
  readonly serialNumbers: readonly string[];
}

/**
 * What became of an event: `complete` (every task done), `partial` (some tasks done, some failed),
 * `failed` (nothing done: nothing completed, or failures naming every task) or still `pending`.
 */
export interface EventOutcome {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly state: 'pending' | 'complete' | 'partial' | 'failed';
  readonly numRequested: number;
  readonly numCompleted: number;
  readonly failures: readonly EventFailure[];
  readonly meta: ResponseMeta;
}

export interface FollowEventOptions {
  /** Wait before the first status read. Apple: 5 minutes when no notification came. */
  readonly firstPollMs?: number;
  /** Between status reads while pending. Apple: at least 30 seconds. */
  readonly intervalMs?: number;
  /** Give up (returning the pending outcome) after this long. Apple: retry after 10 minutes. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Name and icon of an app or book from Apple's content metadata lookup. */
export interface ContentMetadata {
  readonly adamId: string;
  readonly name: string;
  readonly iconUrl?: string;
  readonly bundleId?: string;
  readonly kind?: string;
}

export interface VppClient {
  serviceConfig(): Promise<ServiceConfig>;
  limits(): Promise<VppLimits>;

  getClientConfig(token: Secret): Promise<ClientConfig>;
  /** Full replacement of the location's `mdmInfo` and notification settings (Apple tests the URL first). */
  updateClientConfig(token: Secret, request: ClientConfigRequest): Promise<ClientConfig>;

  /** The walks of Apple's pages, from `fromPage` (default 0: a sync continuing from a checkpoint starts later). */
  assetPages(token: Secret, filter?: AssetFilter): AsyncIterable<VppPage<ResponseAsset>>;
  assignmentPages(
    token: Secret,
    filter?: AssignmentFilter,
    fromPage?: number,
  ): AsyncIterable<VppPage<Assignment>>;
  userPages(token: Secret, filter?: UserFilter, fromPage?: number): AsyncIterable<VppPage<ResponseUser>>;
  readAssets(token: Secret, filter?: AssetFilter): Promise<VppReadResult<ResponseAsset>>;
  readAssignments(token: Secret, filter?: AssignmentFilter): Promise<VppReadResult<Assignment>>;
  readUsers(token: Secret, filter?: UserFilter): Promise<VppReadResult<ResponseUser>>;

  /** Every asset × every subject; split into the fewest requests Apple's limits allow. */
  associateAssets(token: Secret, request: ManageAssetsRequest): Promise<BatchSubmission<ManageAssetsRequest>>;
  disassociateAssets(
    token: Secret,
    request: ManageAssetsRequest,
  ): Promise<BatchSubmission<ManageAssetsRequest>>;
  /** Takes back every revocable asset of the subjects. */
  revokeAssets(token: Secret, request: RevokeAssetsRequest): Promise<BatchSubmission<RevokeAssetsRequest>>;
  createUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>>;
  updateUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>>;
  retireUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>>;

  /**
   * Volume subscriptions (apple-subscriptions.md). Enabling declares that this MDM manages the token's
   * subscriptions; disabling is refused (9818) while the location holds any.
   */
  enableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse>;
  disableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse>;
  /** Cursor walks, sequential, from `cursor` (default: the start). */
  subscriptionPages(
    token: Secret,
    filter?: SubscriptionFilter,
    cursor?: string,
  ): AsyncIterable<CursorPage<ResponseSubscription>>;
  subscriptionAssignmentPages(
    token: Secret,
    filter?: SubscriptionAssignmentFilter,
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAssignment>>;
  subscriptionAdminPages(
    token: Secret,
    filter: SubscriptionAdminFilter,
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAdmin>>;
  readSubscriptions(
    token: Secret,
    filter?: SubscriptionFilter,
  ): Promise<CursorReadResult<ResponseSubscription>>;
  readSubscriptionAssignments(
    token: Secret,
    filter?: SubscriptionAssignmentFilter,
  ): Promise<CursorReadResult<SubscriptionAssignment>>;
  /** Every subscription × every user, split to Apple's `maxSubscriptions` × `maxSubscriptionClientUserIds`. */
  associateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly renewing: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>>;
  /** `deferred`: the users keep their seats until the end of the billing period (Apple notifies then). */
  disassociateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly deferred: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>>;
  /** Synchronous at Apple; split like associate. */
  addSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void>;
  removeSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void>;

  eventStatus(token: Secret, eventId: string): Promise<EventOutcome>;
  /** Polls an event at Apple's cadence until it ends (or the timeout passes). */
  followEvent(token: Secret, eventId: string, options?: FollowEventOptions): Promise<EventOutcome>;

  contentMetadata(
    token: Secret,
    adamIds: readonly string[],
    options: { country: string; platform: string },
  ): Promise<Map<string, ContentMetadata>>;
}

export type { StatusResponse };
