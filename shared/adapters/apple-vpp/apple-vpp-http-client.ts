/**
 * The `VppClient` adapter: Apple's App and Book Management API v2 over HTTPS (fetch).
 *
 * - Every answer is checked for `errorNumber` whatever its HTTP status, and validated with zod; a
 *   filtered read keeps only what matches the question (answer-check.ts), an event's status only
 *   when it is that event's.
 * - Reads retry throttling, 5xx and network errors; writes are sent again only when Apple's answer
 *   proves they were not taken (retry.ts).
 * - Each token's requests, from every process, keep under `maxRequestPerSecond` through one shared
 *   slot per token (rate-limiter.ts; the service keeps it in DynamoDB).
 * - Endpoint URLs come from `service/config` (cached five minutes, as Apple advises) when they stay
 *   on the configured origin; redirects are never followed, so the token never goes elsewhere.
 * - A token that is not a bearer credential (a line break, a space, a control character) is refused
 *   before any request, never retried, and never named in the error.
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { Clock } from '../../application/ports/clock.ts';
import type { RateSlotStore } from '../../application/ports/rate-slot-store.ts';
import {
  type AssetFilter,
  type AssignmentFilter,
  type BatchSubmission,
  type ContentMetadata,
  type CursorPage,
  type CursorReadResult,
  DEFAULT_LIMITS,
  type EventOutcome,
  type FollowEventOptions,
  type SubmittedEvent,
  type SubscriptionAdminFilter,
  type SubscriptionAssignmentFilter,
  type SubscriptionFilter,
  type UserFilter,
  type VppClient,
  type VppLimits,
  type VppPage,
  type VppReadResult,
} from '../../application/ports/vpp-client.ts';
import { isVppError, VppApiError } from '../../application/ports/vpp-errors.ts';
import {
  type Assignment,
  type ClientConfig,
  type ClientConfigRequest,
  ClientConfigSchema,
  ErrorResponseSchema,
  EventResponseSchema,
  GetAssetsResponseSchema,
  GetAssignmentsResponseSchema,
  GetSubscriptionAdminsResponseSchema,
  GetSubscriptionAssignmentsResponseSchema,
  GetSubscriptionsResponseSchema,
  GetUsersResponseSchema,
  type ManageAssetsRequest,
  ManageSubscriptionAdminsResponseSchema,
  type ManageSubscriptionsRequest,
  type RequestUser,
  type ResponseAsset,
  type ResponseMeta,
  type ResponseSubscription,
  type ResponseUser,
  type RevokeAssetsRequest,
  type ServiceConfig,
  ServiceConfigSchema,
  StatusResponseSchema,
  type SubscriptionAdmin,
  type SubscriptionAssignment,
  type SubscriptionManagementResponse,
  SubscriptionManagementResponseSchema,
} from '../../application/ports/vpp-schemas.ts';
import type { Secret } from '../../domain/secret.ts';
import {
  type AnswerCheck,
  assetCheck,
  assignmentCheck,
  subscriptionAdminCheck,
  subscriptionAssignmentCheck,
  subscriptionCheck,
  userCheck,
} from './answer-check.ts';
import { planAssetBatches, planRevokeBatches, planSubscriptionBatches, planUserBatches } from './batching.ts';
import { toEventOutcome } from './event-outcome.ts';
import { ContentLookupSchema } from './lookup-schema.ts';
import { InMemoryRateSlots, SharedRateLimiter, type Sleep } from './rate-limiter.ts';
import {
  DEFAULT_RETRY_POLICY,
  isNotConnected,
  isSafeToRetry,
  nextDelay,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.ts';

/** Apple's event cadence: first status read after 5 minutes, then at most every 30 s, give up after 10. */
export const APPLE_EVENT_CADENCE: Required<Omit<FollowEventOptions, 'signal'>> = {
  firstPollMs: 300_000,
  intervalMs: 30_000,
  timeoutMs: 600_000,
};

/** What a caller may watch: every answer's metadata (to see another MDM or a new expiry) and every error. */
export interface VppObserver {
  onMeta?(token: Secret, meta: ResponseMeta, endpoint: string): void;
  onError?(token: Secret | undefined, error: VppApiError): void;
  onRequest?(info: {
    endpoint: string;
    status: number | undefined;
    attempt: number;
    durationMs: number;
  }): void;
  /**
   * Apple answered beyond the question: `dropped` of the `received` items (or the whole answer) did
   * not match the filters `asked` (their names only) and were left out.
   */
  onAnomaly?(info: AppleAnomaly): void;
}

export interface AppleAnomaly {
  readonly endpoint: string;
  readonly asked: readonly string[];
  readonly received: number;
  readonly dropped: number;
}

export interface AppleVppHttpClientOptions {
  /** `VPP_BASE_URL`, e.g. `https://vpp.itunes.apple.com/mdm/v2`. */
  readonly baseUrl: string;
  readonly userAgent?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly requestTimeoutMs?: number;
  readonly serviceConfigTtlMs?: number;
  /** How often a whole paged read is walked again when Apple's data changes during the walk. */
  readonly maxWalkAttempts?: number;
  readonly eventCadence?: Partial<typeof APPLE_EVENT_CADENCE>;
  readonly clock?: Clock;
  /** How the client waits between retries, polls and rate slots. @default setTimeout */
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  readonly observer?: VppObserver;
  /**
   * Where each token's next request slot is kept: the service's shared store (DynamoDB), so every
   * process together keeps to Apple's rate. @default this process only
   */
  readonly rateSlots?: RateSlotStore;
}

type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

interface CallOptions {
  readonly token?: Secret;
  /** An array is sent as the parameter repeated (`adamId=1&adamId=2`), as the subscription endpoints take it. */
  readonly query?: Record<string, QueryValue>;
  readonly body?: unknown;
  /** A write Apple applies as a whole replacement, so sending it twice does no harm. */
  readonly idempotent?: boolean;
  /** An absolute URL (the metadata lookup) instead of the endpoint's own. */
  readonly url?: URL;
  /** Send the token as the lookup's `itvt` cookie instead of a bearer. */
  readonly cookieAuth?: boolean;
}

type Endpoint = {
  readonly key: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly urlKey?: string;
};

/** An endpoint, keyed `METHOD path` as Apple's documentation names it; `urlKey` names its URL in service config. */
function endpoint(method: Endpoint['method'], path: string, urlKey?: string): Endpoint {
  return { key: `${method} ${path}`, method, path, ...(urlKey !== undefined && { urlKey }) };
}

const ENDPOINTS = {
  serviceConfig: endpoint('GET', 'service/config'),
  getClientConfig: endpoint('GET', 'client/config', 'clientConfig'),
  setClientConfig: endpoint('POST', 'client/config', 'clientConfig'),
  assets: endpoint('GET', 'assets', 'getAssets'),
  assignments: endpoint('GET', 'assignments', 'getAssignments'),
  users: endpoint('GET', 'users', 'getUsers'),
  associate: endpoint('POST', 'assets/associate', 'associateAssets'),
  disassociate: endpoint('POST', 'assets/disassociate', 'disassociateAssets'),
  revoke: endpoint('POST', 'assets/revoke', 'revokeAssets'),
  createUsers: endpoint('POST', 'users/create', 'createUsers'),
  updateUsers: endpoint('POST', 'users/update', 'updateUsers'),
  retireUsers: endpoint('POST', 'users/retire', 'retireUsers'),
  status: endpoint('GET', 'status', 'eventStatus'),
  // Volume subscriptions: service/config names no URL for them; they are built from the base.
  enableSubscriptions: endpoint('POST', 'subscriptions/enable'),
  disableSubscriptions: endpoint('POST', 'subscriptions/disable'),
  subscriptions: endpoint('GET', 'subscriptions'),
  subscriptionAssignments: endpoint('GET', 'subscriptions/assignments'),
  associateSubscriptions: endpoint('POST', 'subscriptions/associate'),
  disassociateSubscriptions: endpoint('POST', 'subscriptions/disassociate'),
  subscriptionAdmins: endpoint('GET', 'subscriptions/admins'),
  addSubscriptionAdmins: endpoint('POST', 'subscriptions/admins/add'),
  removeSubscriptionAdmins: endpoint('POST', 'subscriptions/admins/remove'),
};

/** Apple's numbers for a subscription request over its limits (9805: the older wording's). */
const SUBSCRIPTION_LIMIT_ERRORS = new Set([9816, 9805]);

/** A subscription request as Apple takes it: integer ids. */
const subscriptionBody = (r: ManageSubscriptionsRequest) => ({
  adamIds: r.adamIds.map(Number),
  clientUserIds: r.clientUserIds,
  ...(r.renewing === undefined ? {} : { renewing: r.renewing }),
  ...(r.deferred === undefined ? {} : { deferred: r.deferred }),
});

const LOOKUP = endpoint('GET', 'lookup');

/**
 * RFC 6750's `b64token`, the shape of every bearer Apple issues (a content token is base64). Anything
 * else would be refused by fetch as a header value (CR, LF) or by Apple (9722), and fetch's refusal
 * quotes the whole value in its message: so such a token is stopped here, before any request.
 */
const BEARER_CREDENTIAL = /^[A-Za-z0-9._~+/-]+=*$/;

const realClock: Clock = { now: () => new Date() };
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Turns zod issues into one sentence naming each bad field ("assets.0.adamId is missing"). */
function describeIssues(issues: readonly z.core.$ZodIssue[], body: unknown): string {
  const at = (path: readonly PropertyKey[]) =>
    path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], body);
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(body)';
      return at(issue.path) === undefined ? `${path} is missing` : `${path}: ${issue.message}`;
    })
    .join('; ');
}

export class AppleVppHttpClient implements VppClient {
  readonly #base: URL;
  readonly #options: AppleVppHttpClientOptions;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #fetch: typeof fetch;
  readonly #limiter: SharedRateLimiter;
  readonly #tokenKeys = new WeakMap<Secret, string>();
  #serviceConfig: { value: Promise<ServiceConfig>; expiresAt: number } | undefined;

  constructor(options: AppleVppHttpClientOptions) {
    this.#options = options;
    this.#base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? realClock;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#fetch = options.fetch ?? fetch;
    this.#limiter = new SharedRateLimiter(
      options.rateSlots ?? new InMemoryRateSlots(),
      this.#clock,
      this.#sleep,
    );
  }

  /** Milliseconds since the epoch, by the client's clock. */
  #now(): number {
    return this.#clock.now().getTime();
  }

  // --- configuration ----------------------------------------------------------------------------

  serviceConfig(): Promise<ServiceConfig> {
    const now = this.#now();
    if (this.#serviceConfig && this.#serviceConfig.expiresAt > now) return this.#serviceConfig.value;
    const value = this.#call(ENDPOINTS.serviceConfig, ServiceConfigSchema, {});
    this.#serviceConfig = { value, expiresAt: now + (this.#options.serviceConfigTtlMs ?? 300_000) };
    value.catch(() => {
      this.#serviceConfig = undefined;
    });
    return value;
  }

  async limits(): Promise<VppLimits> {
    const { limits } = await this.serviceConfig();
    const merged: Record<string, number> = { ...DEFAULT_LIMITS };
    for (const key of Object.keys(DEFAULT_LIMITS)) {
      const value = limits[key];
      if (typeof value === 'number' && value > 0) merged[key] = value;
    }
    return merged as unknown as VppLimits;
  }

  getClientConfig(token: Secret): Promise<ClientConfig> {
    return this.#call(ENDPOINTS.getClientConfig, ClientConfigSchema, { token });
  }

  updateClientConfig(token: Secret, request: ClientConfigRequest): Promise<ClientConfig> {
    return this.#call(ENDPOINTS.setClientConfig, ClientConfigSchema, {
      token,
      body: request,
      idempotent: true,
    });
  }

  // --- paged reads --------------------------------------------------------------------------------

  assetPages(token: Secret, filter: AssetFilter = {}): AsyncIterable<VppPage<ResponseAsset>> {
    return this.#pages(
      ENDPOINTS.assets,
      GetAssetsResponseSchema,
      (r) => r.assets,
      assetCheck(filter),
      token,
      {
        ...filter,
      },
    );
  }

  assignmentPages(
    token: Secret,
    filter: AssignmentFilter = {},
    fromPage = 0,
  ): AsyncIterable<VppPage<Assignment>> {
    return this.#pages(
      ENDPOINTS.assignments,
      GetAssignmentsResponseSchema,
      (r) => r.assignments,
      assignmentCheck(filter),
      token,
      { ...filter },
      fromPage,
    );
  }

  userPages(token: Secret, filter: UserFilter = {}, fromPage = 0): AsyncIterable<VppPage<ResponseUser>> {
    return this.#pages(
      ENDPOINTS.users,
      GetUsersResponseSchema,
      (r) => r.users,
      userCheck(filter),
      token,
      { ...filter },
      fromPage,
    );
  }

  readAssets(token: Secret, filter?: AssetFilter): Promise<VppReadResult<ResponseAsset>> {
    return this.#readAll(
      () => this.assetPages(token, filter),
      (a) => `${a.adamId}:${a.pricingParam}`,
    );
  }

  readAssignments(token: Secret, filter?: AssignmentFilter): Promise<VppReadResult<Assignment>> {
    return this.#readAll(
      () => this.assignmentPages(token, filter),
      (a) =>
        `${a.adamId}:${a.pricingParam}:${a.serialNumber ? `s:${a.serialNumber}` : `u:${a.clientUserId}`}`,
    );
  }

  readUsers(token: Secret, filter?: UserFilter): Promise<VppReadResult<ResponseUser>> {
    // A clientUserId may appear more than once (retired entries and one active entry).
    return this.#readAll(
      () => this.userPages(token, filter),
      (u) => `${u.clientUserId}:${u.status}:${u.idHash ?? ''}`,
    );
  }

  async *#pages<S extends z.ZodType, T>(
    endpoint: Endpoint,
    schema: S,
    items: (response: z.output<S>) => readonly T[],
    answerCheck: AnswerCheck<T>,
    token: Secret,
    query: Record<string, string | number | boolean | undefined>,
    fromPage = 0,
  ): AsyncGenerator<VppPage<T>> {
    let pageIndex = fromPage;
    for (;;) {
      const response = (await this.#call(endpoint, schema, {
        token,
        query: { ...query, pageIndex },
      })) as z.output<S> & {
        currentPageIndex: number;
        nextPageIndex?: number;
        totalPages: number;
        versionId: string;
      } & ResponseMeta;
      yield {
        items: this.#asked(endpoint, answerCheck, items(response)),
        pageIndex: response.currentPageIndex,
        totalPages: response.totalPages,
        last: response.nextPageIndex === undefined,
        versionId: response.versionId,
        meta: {
          uId: response.uId,
          tokenExpirationDate: response.tokenExpirationDate,
          mdmInfo: response.mdmInfo,
        },
      };
      // The end of the data is the absence of nextPageIndex, not currentPageIndex == totalPages (§7).
      if (response.nextPageIndex === undefined) return;
      if (response.nextPageIndex <= pageIndex) {
        throw new VppApiError(
          'bad_response',
          `Apple's ${endpoint.key} answer points back to page ${response.nextPageIndex}.`,
          {
            endpoint: endpoint.key,
          },
        );
      }
      pageIndex = response.nextPageIndex;
    }
  }

  /** The items that answer the question; the others are dropped and reported as an anomaly. */
  #asked<T>(endpoint: Endpoint, answerCheck: AnswerCheck<T>, received: readonly T[]): readonly T[] {
    if (answerCheck.asked.length === 0) return received;
    const kept = received.filter(answerCheck.matches);
    if (kept.length < received.length)
      this.#options.observer?.onAnomaly?.({
        endpoint: endpoint.key,
        asked: answerCheck.asked,
        received: received.length,
        dropped: received.length - kept.length,
      });
    return kept;
  }

  /**
   * Walks every page. When the `versionId` changes during the walk, records may have moved between
   * pages, so the walk starts again (a bounded number of times); the result says whether it ever
   * saw one stable version. The first page's version is the next `sinceVersionId` either way.
   */
  async #readAll<T>(
    walk: () => AsyncIterable<VppPage<T>>,
    key: (item: T) => string,
  ): Promise<VppReadResult<T>> {
    const attempts = this.#options.maxWalkAttempts ?? 3;
    let last: VppReadResult<T> | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const seen = new Map<string, T>();
      let firstVersion: string | undefined;
      let meta: ResponseMeta = {};
      let changed = false;
      let pages = 0;
      for await (const page of walk()) {
        pages++;
        if (firstVersion === undefined) {
          firstVersion = page.versionId;
          meta = page.meta;
        } else if (page.versionId !== firstVersion) {
          changed = true;
        }
        for (const item of page.items) seen.set(key(item), item);
      }
      last = { items: [...seen.values()], versionId: firstVersion ?? '', consistent: !changed, pages, meta };
      if (!changed) return last;
    }
    return last as VppReadResult<T>;
  }

  // --- asynchronous writes ------------------------------------------------------------------------

  async associateAssets(
    token: Secret,
    request: ManageAssetsRequest,
  ): Promise<BatchSubmission<ManageAssetsRequest>> {
    return this.#submit(token, ENDPOINTS.associate, planAssetBatches(request, await this.limits()), (r) => r);
  }

  async disassociateAssets(
    token: Secret,
    request: ManageAssetsRequest,
  ): Promise<BatchSubmission<ManageAssetsRequest>> {
    return this.#submit(
      token,
      ENDPOINTS.disassociate,
      planAssetBatches(request, await this.limits()),
      (r) => r,
    );
  }

  async revokeAssets(
    token: Secret,
    request: RevokeAssetsRequest,
  ): Promise<BatchSubmission<RevokeAssetsRequest>> {
    return this.#submit(token, ENDPOINTS.revoke, planRevokeBatches(request, await this.limits()), (r) => r);
  }

  async createUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    return this.#submitUsers(token, ENDPOINTS.createUsers, users);
  }

  async updateUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    return this.#submitUsers(token, ENDPOINTS.updateUsers, users);
  }

  async retireUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    return this.#submitUsers(
      token,
      ENDPOINTS.retireUsers,
      users.map((u) => ({ clientUserId: u.clientUserId })),
    );
  }

  /** A user event's batches, each sent as `{ users }`. */
  async #submitUsers(
    token: Secret,
    endpoint: Endpoint,
    users: readonly RequestUser[],
  ): Promise<BatchSubmission<RequestUser[]>> {
    return this.#submit(token, endpoint, planUserBatches(users, await this.limits()), (u) => ({ users: u }));
  }

  /**
   * Sends each batch. A batch Apple refuses is reported with its error and the others still go;
   * after a token problem or an unknown outcome nothing more is sent (the rest is reported with the
   * same error), because sending more could not succeed or could not be checked.
   */
  async #submit<R>(
    token: Secret,
    endpoint: Endpoint,
    batches: R[],
    body: (request: R) => unknown,
  ): Promise<BatchSubmission<R>> {
    const events: SubmittedEvent<R>[] = [];
    const rejected: { request: R; error: VppApiError }[] = [];
    let stop: VppApiError | undefined;
    for (const request of batches) {
      if (stop) {
        rejected.push({ request, error: stop });
        continue;
      }
      try {
        const answer = await this.#call(endpoint, EventResponseSchema, { token, body: body(request) });
        events.push({
          eventId: answer.eventId,
          request,
          meta: { uId: answer.uId, tokenExpirationDate: answer.tokenExpirationDate, mdmInfo: answer.mdmInfo },
        });
      } catch (error) {
        if (!isVppError(error)) throw error;
        rejected.push({ request, error });
        if (error.isTokenProblem || error.kind === 'outcome_unknown' || error.kind === 'throttled')
          stop = error;
      }
    }
    return { events, rejected };
  }

  // --- volume subscriptions (apple-subscriptions.md) ---------------------------------------------

  enableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse> {
    // Enabling twice answers the same: safe to send again.
    return this.#call(ENDPOINTS.enableSubscriptions, SubscriptionManagementResponseSchema, {
      token,
      idempotent: true,
    });
  }

  disableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse> {
    return this.#call(ENDPOINTS.disableSubscriptions, SubscriptionManagementResponseSchema, {
      token,
      idempotent: true,
    });
  }

  subscriptionPages(
    token: Secret,
    filter: SubscriptionFilter = {},
    cursor?: string,
  ): AsyncIterable<CursorPage<ResponseSubscription>> {
    return this.#cursorPages(
      ENDPOINTS.subscriptions,
      GetSubscriptionsResponseSchema,
      (r) => r.subscriptions,
      subscriptionCheck(filter),
      token,
      { adamId: filter.adamIds, parentAdamId: filter.parentAdamIds },
      cursor,
    );
  }

  subscriptionAssignmentPages(
    token: Secret,
    filter: SubscriptionAssignmentFilter = {},
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAssignment>> {
    return this.#cursorPages(
      ENDPOINTS.subscriptionAssignments,
      GetSubscriptionAssignmentsResponseSchema,
      (r) => r.assignments,
      subscriptionAssignmentCheck(filter),
      token,
      { adamId: filter.adamIds, parentAdamId: filter.parentAdamIds, clientUserId: filter.clientUserIds },
      cursor,
    );
  }

  subscriptionAdminPages(
    token: Secret,
    filter: SubscriptionAdminFilter,
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAdmin>> {
    return this.#cursorPages(
      ENDPOINTS.subscriptionAdmins,
      GetSubscriptionAdminsResponseSchema,
      (r) => r.admins,
      subscriptionAdminCheck(filter),
      token,
      { adamId: filter.adamIds, includeUserState: filter.includeUserState },
      cursor,
    );
  }

  readSubscriptions(
    token: Secret,
    filter?: SubscriptionFilter,
  ): Promise<CursorReadResult<ResponseSubscription>> {
    return this.#readCursor(this.subscriptionPages(token, filter), (s) => s.adamId);
  }

  readSubscriptionAssignments(
    token: Secret,
    filter?: SubscriptionAssignmentFilter,
  ): Promise<CursorReadResult<SubscriptionAssignment>> {
    return this.#readCursor(
      this.subscriptionAssignmentPages(token, filter),
      (a) => `${a.adamId}:${a.clientUserId}`,
    );
  }

  associateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly renewing: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>> {
    const { adamIds, clientUserIds, renewing } = request;
    return this.#submitSubscriptions(token, ENDPOINTS.associateSubscriptions, {
      adamIds,
      clientUserIds,
      renewing,
    });
  }

  disassociateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly deferred: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>> {
    const { adamIds, clientUserIds, deferred } = request;
    return this.#submitSubscriptions(token, ENDPOINTS.disassociateSubscriptions, {
      adamIds,
      clientUserIds,
      deferred,
    });
  }

  addSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void> {
    return this.#manageAdmins(token, ENDPOINTS.addSubscriptionAdmins, request);
  }

  removeSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void> {
    return this.#manageAdmins(token, ENDPOINTS.removeSubscriptionAdmins, request);
  }

  /** Admin changes are synchronous and idempotent at Apple (adding one twice, removing a non-admin: 200). */
  async #manageAdmins(token: Secret, endpoint: Endpoint, request: ManageSubscriptionsRequest): Promise<void> {
    const { adamIds, clientUserIds } = request;
    for (const batch of planSubscriptionBatches({ adamIds, clientUserIds }, await this.limits()))
      await this.#call(endpoint, ManageSubscriptionAdminsResponseSchema, {
        token,
        body: subscriptionBody(batch),
        idempotent: true,
      });
  }

  /**
   * Sends the batches; a batch Apple finds over its limits (9816, or 9805) means the limits changed
   * since `service/config` was read: it is read again and those batches re-split and sent once more.
   */
  async #submitSubscriptions(
    token: Secret,
    endpoint: Endpoint,
    request: ManageSubscriptionsRequest,
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>> {
    const first = await this.#submit(
      token,
      endpoint,
      planSubscriptionBatches(request, await this.limits()),
      subscriptionBody,
    );
    const overLimit = first.rejected.filter(
      (r) => r.error.errorNumber !== undefined && SUBSCRIPTION_LIMIT_ERRORS.has(r.error.errorNumber),
    );
    if (overLimit.length === 0) return first;
    this.#serviceConfig = undefined;
    const limits = await this.limits();
    const again = await this.#submit(
      token,
      endpoint,
      overLimit.flatMap((r) => planSubscriptionBatches(r.request, limits)),
      subscriptionBody,
    );
    const retried = new Set(overLimit);
    return {
      events: [...first.events, ...again.events],
      rejected: [...first.rejected.filter((r) => !retried.has(r)), ...again.rejected],
    };
  }

  /**
   * A cursor walk (§3): sequential, each page's `nextCursor` sent back as it came (it is opaque);
   * its absence ends the walk. A cursor that points at itself would never end: a bad answer.
   */
  async *#cursorPages<S extends z.ZodType, T>(
    endpoint: Endpoint,
    schema: S,
    items: (response: z.output<S>) => readonly T[],
    answerCheck: AnswerCheck<T>,
    token: Secret,
    query: Record<string, QueryValue>,
    cursor?: string,
  ): AsyncGenerator<CursorPage<T>> {
    let next = cursor;
    for (;;) {
      const response = (await this.#call(endpoint, schema, {
        token,
        query: { ...query, cursor: next },
      })) as z.output<S> & { nextCursor?: string; versionId: string } & ResponseMeta;
      yield {
        items: this.#asked(endpoint, answerCheck, items(response)),
        ...(response.nextCursor === undefined ? {} : { nextCursor: response.nextCursor }),
        versionId: response.versionId,
        meta: {
          uId: response.uId,
          tokenExpirationDate: response.tokenExpirationDate,
          mdmInfo: response.mdmInfo,
        },
      };
      if (response.nextCursor === undefined) return;
      if (response.nextCursor === next) {
        throw new VppApiError('bad_response', `Apple's ${endpoint.key} answer gives the same cursor again.`, {
          endpoint: endpoint.key,
        });
      }
      next = response.nextCursor;
    }
  }

  /** Every page of a cursor walk, each item once; the last page's `versionId` is the data set's. */
  async #readCursor<T>(
    walk: AsyncIterable<CursorPage<T>>,
    key: (item: T) => string,
  ): Promise<CursorReadResult<T>> {
    const seen = new Map<string, T>();
    let versionId = '';
    let meta: ResponseMeta = {};
    let pages = 0;
    for await (const page of walk) {
      if (pages === 0) meta = page.meta;
      pages++;
      versionId = page.versionId;
      for (const item of page.items) seen.set(key(item), item);
    }
    return { items: [...seen.values()], versionId, pages, meta };
  }

  // --- events -------------------------------------------------------------------------------------

  async eventStatus(token: Secret, eventId: string): Promise<EventOutcome> {
    const status = await this.#call(ENDPOINTS.status, StatusResponseSchema, { token, query: { eventId } });
    if (status.eventId !== undefined && status.eventId !== eventId) {
      // The status of another event: nothing in it answers the question.
      this.#options.observer?.onAnomaly?.({
        endpoint: ENDPOINTS.status.key,
        asked: ['eventId'],
        received: 1,
        dropped: 1,
      });
      throw new VppApiError('bad_response', "Apple's status answer is for another event.", {
        endpoint: ENDPOINTS.status.key,
      });
    }
    return toEventOutcome(eventId, status);
  }

  async followEvent(token: Secret, eventId: string, options: FollowEventOptions = {}): Promise<EventOutcome> {
    const cadence = { ...APPLE_EVENT_CADENCE, ...this.#options.eventCadence, ...options };
    const started = this.#now();
    await this.#sleep(cadence.firstPollMs);
    for (;;) {
      options.signal?.throwIfAborted();
      const outcome = await this.eventStatus(token, eventId);
      if (outcome.state !== 'pending' || this.#now() - started >= cadence.timeoutMs) return outcome;
      await this.#sleep(cadence.intervalMs);
    }
  }

  // --- content metadata ---------------------------------------------------------------------------

  async contentMetadata(
    token: Secret,
    adamIds: readonly string[],
    options: { country: string; platform: string },
  ): Promise<Map<string, ContentMetadata>> {
    const found = new Map<string, ContentMetadata>();
    const lookup = (await this.serviceConfig()).urls.contentMetadataLookup;
    if (!lookup || adamIds.length === 0) return found;
    const url = new URL(lookup);
    const ids = [...new Set(adamIds)];
    for (let i = 0; i < ids.length; i += 100) {
      const query = {
        version: 2,
        p: 'mdm-lockup',
        caller: 'MDM',
        platform: options.platform,
        cc: options.country.toLowerCase(),
        l: 'en',
        id: ids.slice(i, i + 100).join(','),
      };
      // The lookup authenticates custom apps with the token as the `itvt` cookie; only Apple's own
      // hosts (or the configured origin) ever receive it.
      const trusted = url.origin === this.#base.origin || url.hostname.endsWith('.apple.com');
      const answer = await this.#call(LOOKUP, ContentLookupSchema, {
        query,
        url,
        cookieAuth: true,
        ...(trusted ? { token } : {}),
      });
      for (const [adamId, item] of Object.entries(answer.results)) {
        const iconUrl = item.artwork?.url.replace('{w}', '512').replace('{h}', '512').replace('{f}', 'png');
        found.set(adamId, {
          adamId,
          name: item.name,
          ...(iconUrl ? { iconUrl } : {}),
          ...(item.bundleId ? { bundleId: item.bundleId } : {}),
          ...(item.kind ? { kind: item.kind } : {}),
        });
      }
    }
    return found;
  }

  // --- transport ----------------------------------------------------------------------------------

  #tokenKey(token: Secret | undefined): string {
    if (!token) return 'anonymous';
    let key = this.#tokenKeys.get(token);
    if (!key) {
      key = createHash('sha256').update(token.reveal()).digest('hex').slice(0, 16);
      this.#tokenKeys.set(token, key);
    }
    return key;
  }

  async #resolveUrl(endpoint: Endpoint): Promise<URL> {
    const fallback = new URL(endpoint.path, this.#base);
    if (!endpoint.urlKey) return fallback;
    const discovered = (await this.serviceConfig()).urls[endpoint.urlKey];
    if (!discovered) return fallback;
    try {
      const url = new URL(discovered);
      // Only follow discovered URLs on the configured origin: the token never goes elsewhere.
      return url.origin === this.#base.origin ? url : fallback;
    } catch {
      return fallback;
    }
  }

  async #call<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    options: CallOptions,
  ): Promise<z.output<S>> {
    const { token } = options;
    if (token && !BEARER_CREDENTIAL.test(token.reveal())) {
      // token_invalid, not network: retrying cannot help, and the API answers 422 token.invalid.
      const refused = new VppApiError(
        'token_invalid',
        `The content token holds a character no token has (a space, a line break, a control character): ${endpoint.key} was not sent.`,
        { endpoint: endpoint.key },
      );
      this.#options.observer?.onError?.(token, refused);
      throw refused;
    }
    const idempotent = endpoint.method === 'GET' || options.idempotent === true;
    const tokenKey = this.#tokenKey(token);
    const url = new URL(options.url ?? (await this.#resolveUrl(endpoint)));
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (Array.isArray(value)) for (const one of value) url.searchParams.append(name, String(one));
      else if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const perSecond = token ? (await this.limits()).maxRequestPerSecond : Number.POSITIVE_INFINITY;
    const started = this.#now();

    for (let attempt = 1; ; attempt++) {
      if (token) await this.#limiter.acquire(tokenKey, perSecond);
      const attemptStarted = this.#now();
      let status: number | undefined;
      try {
        const response = await this.#send(endpoint, url, options);
        status = response.status;
        const parsed = this.#parse(endpoint, schema, response);
        if (token) this.#observeMeta(token, parsed, endpoint.key);
        return parsed;
      } catch (caught) {
        const error = isVppError(caught) ? caught : this.#networkError(endpoint, caught);
        this.#options.observer?.onError?.(token, error);
        const elapsed = this.#now() - started;
        const delay = nextDelay(this.#retry, attempt, error, this.#random);
        if (error.kind === 'throttled' && token) await this.#limiter.pause(tokenKey, delay);
        if (
          !isSafeToRetry(error, idempotent) ||
          attempt >= this.#retry.maxAttempts ||
          elapsed + delay > this.#retry.maxTotalMs
        ) {
          throw this.#finalError(endpoint, error, idempotent);
        }
        await this.#sleep(delay);
      } finally {
        this.#options.observer?.onRequest?.({
          endpoint: endpoint.key,
          status,
          attempt,
          durationMs: this.#now() - attemptStarted,
        });
      }
    }
  }

  async #send(
    endpoint: Endpoint,
    url: URL,
    options: CallOptions,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.#options.userAgent ?? 'vpp-manager/0.1',
    };
    if (options.token) {
      if (options.cookieAuth) headers.Cookie = `itvt=${options.token.reveal()}`;
      else headers.Authorization = `Bearer ${options.token.reveal()}`;
    }
    if (endpoint.method === 'POST') headers['Content-Type'] = 'application/json';
    const response = await this.#fetch(url, {
      method: endpoint.method,
      headers,
      ...(endpoint.method === 'POST' ? { body: JSON.stringify(options.body ?? {}) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 30_000),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Every body is checked for `errorNumber` first, whatever the status (Apple has answered errors with 200). */
  #parse<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    response: { status: number; headers: Headers; text: string },
  ): z.output<S> {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
    let body: unknown;
    try {
      body = response.text === '' ? undefined : JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    const appleError = ErrorResponseSchema.safeParse(body);
    if (appleError.success) {
      throw VppApiError.fromApple(appleError.data.errorNumber, appleError.data.errorMessage, {
        httpStatus: response.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(appleError.data.errorInfo ? { errorInfo: appleError.data.errorInfo } : {}),
        endpoint: endpoint.key,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      const kind =
        response.status === 429 ? 'throttled' : response.status >= 500 ? 'service_unavailable' : 'unexpected';
      throw new VppApiError(kind, `Apple answered ${endpoint.key} with HTTP ${response.status}.`, {
        httpStatus: response.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        endpoint: endpoint.key,
      });
    }
    if (body === undefined) {
      throw new VppApiError('bad_response', `Apple's answer to ${endpoint.key} is not JSON.`, {
        httpStatus: response.status,
        endpoint: endpoint.key,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new VppApiError(
        'bad_response',
        `Apple's answer to ${endpoint.key} is not as documented: ${describeIssues(parsed.error.issues, body)}.`,
        {
          httpStatus: response.status,
          endpoint: endpoint.key,
        },
      );
    }
    return parsed.data;
  }

  #networkError(endpoint: Endpoint, cause: unknown): VppApiError {
    const timeout = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
    const what = timeout ? 'did not answer in time' : 'could not be reached';
    return new VppApiError('network', `Apple ${what} for ${endpoint.key}.`, {
      endpoint: endpoint.key,
      cause,
    });
  }

  /**
   * A write that failed in a way that does not prove Apple refused it becomes `outcome_unknown`: the
   * caller must check the event or re-read before trying again, never replay it blindly.
   */
  #finalError(endpoint: Endpoint, error: VppApiError, idempotent: boolean): VppApiError {
    const unknown =
      (error.kind === 'network' && !isNotConnected(error)) ||
      ((error.kind === 'service_unavailable' || error.kind === 'internal') &&
        error.errorNumber === undefined);
    if (idempotent || !unknown) return error;
    return new VppApiError(
      'outcome_unknown',
      `Apple's answer to ${endpoint.key} does not show whether the request was taken (${error.message}) ` +
        'Check the event status or re-read the assignments or users before sending it again.',
      { endpoint: endpoint.key, ...(error.httpStatus ? { httpStatus: error.httpStatus } : {}), cause: error },
    );
  }

  #observeMeta(token: Secret, parsed: unknown, endpoint: string): void {
    const observer = this.#options.observer?.onMeta;
    if (!observer || typeof parsed !== 'object' || parsed === null) return;
    const { uId, tokenExpirationDate, mdmInfo } = parsed as ResponseMeta;
    if (uId === undefined && tokenExpirationDate === undefined && mdmInfo === undefined) return;
    observer(token, { uId, tokenExpirationDate, mdmInfo }, endpoint);
  }
}
