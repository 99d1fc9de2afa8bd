/**
 * A small, programmable Apple for unit tests (not the simulator): reads answer from the lists the test
 * sets, writes are recorded and answered with a new event (or what the test scripts), events are
 * pending until the test ends them. Any method can be replaced (`on`) or made to fail (`fail`).
 */
import type {
  AssetFilter,
  AssignmentFilter,
  BatchSubmission,
  ContentMetadata,
  CursorPage,
  CursorReadResult,
  EventOutcome,
  SubscriptionAdminFilter,
  SubscriptionAssignmentFilter,
  SubscriptionFilter,
  UserFilter,
  VppClient,
  VppLimits,
  VppPage,
  VppReadResult,
} from '../../../shared/application/ports/vpp-client.ts';
import { VppApiError, type VppErrorKind } from '../../../shared/application/ports/vpp-errors.ts';
import type {
  Assignment,
  ClientConfig,
  ClientConfigRequest,
  ManageAssetsRequest,
  ManageSubscriptionsRequest,
  RequestUser,
  ResponseAsset,
  ResponseMeta,
  ResponseSubscription,
  ResponseUser,
  RevokeAssetsRequest,
  ServiceConfig,
  SubscriptionAdmin,
  SubscriptionAssignment,
  SubscriptionManagementResponse,
} from '../../../shared/application/ports/vpp-schemas.ts';
import type { Secret } from '../../../shared/domain/secret.ts';

export const FAKE_LIMITS: VppLimits = {
  maxAssets: 25,
  maxClientUserIds: 1000,
  maxSerialNumbers: 1000,
  maxRevokeClientUserIds: 1000,
  maxRevokeSerialNumbers: 1000,
  maxUsers: 100,
  maxRequestPerSecond: 10,
  maxNotificationLength: 4000,
  maxMdmNameLength: 64,
  maxMdmIdLength: 128,
  maxMdmMetadataLength: 1024,
  maxSubscriptions: 25,
  maxSubscriptionClientUserIds: 1000,
};

export interface VppCall {
  readonly method: keyof VppClient;
  readonly token: string | undefined;
  readonly args: readonly unknown[];
}

/** Apple's refusal with its number (the kind follows from the number, as in the client). */
export const appleRefusal = (errorNumber: number, message?: string): VppApiError =>
  VppApiError.fromApple(errorNumber, message);

/** A failure the client raises itself (`network`, `outcome_unknown`, ...). */
export const vppFault = (kind: VppErrorKind, message = `Apple call failed: ${kind}`): VppApiError =>
  new VppApiError(kind, message);

type Handlers = { -readonly [K in keyof VppClient]?: VppClient[K] };

export class FakeVpp implements VppClient {
  readonly calls: VppCall[] = [];
  /** What `client/config` answers (and `updateClientConfig` starts from). */
  clientConfig: ClientConfig = { uId: 'location-1', locationName: 'Main Office', countryISO2ACode: 'GB' };
  /** Metadata on every read and write answer (`tokenExpirationDate`, `mdmInfo`, ...). */
  meta: ResponseMeta = {};
  assets: ResponseAsset[] = [];
  subscriptions: ResponseSubscription[] = [];
  subscriptionAssignments: SubscriptionAssignment[] = [];
  subscriptionAdmins: SubscriptionAdmin[] = [];
  /** What `subscriptions/enable` and `disable` last set (undefined: never stated). */
  subscriptionManagement: boolean | undefined;
  assignments: Assignment[] = [];
  users: ResponseUser[] = [];
  /** What an incremental read (with `sinceVersionId`) returns; `'unknown'`: Apple forgot the version (9721). */
  assignmentsSince: Assignment[] | 'unknown' = [];
  usersSince: ResponseUser[] | 'unknown' = [];
  versionId = 'v1';
  /** False: the walk never saw a stable version (items may be missing). */
  consistent = true;
  /** Items per page of the page walks (`userPages`, `assignmentPages`, `assetPages`): all on one by default. */
  pageSize = Number.POSITIVE_INFINITY;
  /** Every page the walks have read (one Apple request each), in order. */
  readonly pagesRead: { walk: 'assetPages' | 'assignmentPages' | 'userPages'; pageIndex: number }[] = [];
  metadata = new Map<string, ContentMetadata>();
  /** Event id → outcome; an event not here is unknown to Apple (9708). */
  readonly events = new Map<string, EventOutcome>();
  invitationEmailUrl: string | undefined = 'https://apple.test/invite?code=%inviteCode%';
  readonly #handlers: Handlers = {};
  readonly #failures = new Map<keyof VppClient, Error[]>();
  #events = 0;

  /** Replaces one method's behaviour. */
  on<K extends keyof VppClient>(method: K, handler: VppClient[K]): this {
    this.#handlers[method] = handler;
    return this;
  }

  /** The next `times` calls of `method` throw `error`. */
  fail(method: keyof VppClient, error: Error, times = 1): this {
    const list = this.#failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.#failures.set(method, list);
    return this;
  }

  /** The calls made to `method`, in order. */
  callsOf(method: keyof VppClient): VppCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Ends (or sets) an event's outcome. */
  endEvent(eventId: string, outcome: Partial<EventOutcome> & Pick<EventOutcome, 'state'>): void {
    const known = this.events.get(eventId);
    this.events.set(eventId, {
      eventId,
      eventType: known?.eventType ?? 'ASSOCIATE',
      numRequested: known?.numRequested ?? 0,
      numCompleted: known?.numCompleted ?? 0,
      failures: [],
      meta: {},
      ...outcome,
    });
  }

  #enter(method: keyof VppClient, token: Secret | undefined, args: readonly unknown[]): void {
    this.calls.push({ method, token: token?.reveal(), args: structuredClone(args) });
    const error = this.#failures.get(method)?.shift();
    if (error) throw error;
  }

  #newEvent(type: EventOutcome['eventType'], requested: number): string {
    this.#events++;
    const eventId = `event-${this.#events}`;
    this.events.set(eventId, {
      eventId,
      eventType: type,
      state: 'pending',
      numRequested: requested,
      numCompleted: 0,
      failures: [],
      meta: {},
    });
    return eventId;
  }

  #read<T>(items: T[]): VppReadResult<T> {
    return {
      items: structuredClone(items),
      versionId: this.versionId,
      consistent: this.consistent,
      pages: 1,
      meta: this.meta,
    };
  }

  async *#pages<T>(
    walk: 'assetPages' | 'assignmentPages' | 'userPages',
    result: VppReadResult<T>,
    from = 0,
  ): AsyncIterable<VppPage<T>> {
    const size = this.pageSize;
    const totalPages = Math.max(1, Math.ceil(result.items.length / size));
    for (let pageIndex = from; pageIndex < totalPages; pageIndex++) {
      this.pagesRead.push({ walk, pageIndex });
      yield {
        items: Number.isFinite(size)
          ? result.items.slice(pageIndex * size, (pageIndex + 1) * size)
          : result.items,
        pageIndex,
        totalPages,
        last: pageIndex === totalPages - 1,
        // Data that keeps changing (`consistent` false) shows another version after the first page.
        versionId:
          result.consistent || pageIndex === 0 ? result.versionId : `${result.versionId}+${pageIndex}`,
        meta: result.meta,
      };
    }
  }

  async serviceConfig(): Promise<ServiceConfig> {
    this.#enter('serviceConfig', undefined, []);
    if (this.#handlers.serviceConfig) return this.#handlers.serviceConfig();
    return {
      errorCodes: [],
      limits: {},
      notificationTypes: [],
      urls: this.invitationEmailUrl ? { invitationEmail: this.invitationEmailUrl } : {},
    };
  }

  async limits(): Promise<VppLimits> {
    this.#enter('limits', undefined, []);
    return this.#handlers.limits ? this.#handlers.limits() : FAKE_LIMITS;
  }

  async getClientConfig(token: Secret): Promise<ClientConfig> {
    this.#enter('getClientConfig', token, []);
    if (this.#handlers.getClientConfig) return this.#handlers.getClientConfig(token);
    return { ...this.meta, ...structuredClone(this.clientConfig) };
  }

  async updateClientConfig(token: Secret, request: ClientConfigRequest): Promise<ClientConfig> {
    this.#enter('updateClientConfig', token, [request]);
    if (this.#handlers.updateClientConfig) return this.#handlers.updateClientConfig(token, request);
    this.clientConfig = {
      ...this.clientConfig,
      ...(request.mdmInfo?.id && request.mdmInfo.name
        ? {
            mdmInfo: {
              id: request.mdmInfo.id,
              name: request.mdmInfo.name,
              metadata: request.mdmInfo.metadata ?? '',
            },
          }
        : {}),
      ...(request.notificationUrl ? { notificationUrl: request.notificationUrl } : {}),
    };
    return structuredClone(this.clientConfig);
  }

  assetPages(token: Secret, filter?: AssetFilter): AsyncIterable<VppPage<ResponseAsset>> {
    this.#enter('assetPages', token, [filter]);
    if (this.#handlers.assetPages) return this.#handlers.assetPages(token, filter);
    return this.#pages('assetPages', this.#read(this.#assets(filter)));
  }

  assignmentPages(
    token: Secret,
    filter?: AssignmentFilter,
    fromPage = 0,
  ): AsyncIterable<VppPage<Assignment>> {
    this.#enter('assignmentPages', token, [filter, fromPage]);
    if (this.#handlers.assignmentPages) return this.#handlers.assignmentPages(token, filter, fromPage);
    return this.#pages('assignmentPages', this.#read(this.#assignments(filter)), fromPage);
  }

  userPages(token: Secret, filter?: UserFilter, fromPage = 0): AsyncIterable<VppPage<ResponseUser>> {
    this.#enter('userPages', token, [filter, fromPage]);
    if (this.#handlers.userPages) return this.#handlers.userPages(token, filter, fromPage);
    return this.#pages('userPages', this.#read(this.#users(filter)), fromPage);
  }

  #assets(filter: AssetFilter = {}): ResponseAsset[] {
    return this.assets.filter(
      (a) =>
        (filter.adamId === undefined || a.adamId === filter.adamId) &&
        (filter.pricingParam === undefined || a.pricingParam === filter.pricingParam) &&
        (filter.productType === undefined || a.productType === filter.productType),
    );
  }

  #assignments(filter: AssignmentFilter = {}): Assignment[] {
    if (filter.sinceVersionId !== undefined) {
      if (this.assignmentsSince === 'unknown') throw VppApiError.fromApple(9721, 'The version is unknown.');
      return this.assignmentsSince;
    }
    return this.assignments.filter(
      (a) =>
        (filter.adamId === undefined || a.adamId === filter.adamId) &&
        (filter.pricingParam === undefined || a.pricingParam === filter.pricingParam) &&
        (filter.serialNumber === undefined || a.serialNumber === filter.serialNumber) &&
        (filter.clientUserId === undefined || a.clientUserId === filter.clientUserId),
    );
  }

  #users(filter: UserFilter = {}): ResponseUser[] {
    if (filter.sinceVersionId !== undefined) {
      if (this.usersSince === 'unknown') throw VppApiError.fromApple(9721, 'The version is unknown.');
      return this.usersSince;
    }
    return this.users.filter(
      (u) => filter.clientUserId === undefined || u.clientUserId === filter.clientUserId,
    );
  }

  async readAssets(token: Secret, filter?: AssetFilter): Promise<VppReadResult<ResponseAsset>> {
    this.#enter('readAssets', token, [filter]);
    if (this.#handlers.readAssets) return this.#handlers.readAssets(token, filter);
    return this.#read(this.#assets(filter));
  }

  async readAssignments(token: Secret, filter?: AssignmentFilter): Promise<VppReadResult<Assignment>> {
    this.#enter('readAssignments', token, [filter]);
    if (this.#handlers.readAssignments) return this.#handlers.readAssignments(token, filter);
    return this.#read(this.#assignments(filter));
  }

  async readUsers(token: Secret, filter?: UserFilter): Promise<VppReadResult<ResponseUser>> {
    this.#enter('readUsers', token, [filter]);
    if (this.#handlers.readUsers) return this.#handlers.readUsers(token, filter);
    return this.#read(this.#users(filter));
  }

  #submit<R>(type: EventOutcome['eventType'], request: R, requested: number): BatchSubmission<R> {
    return { events: [{ eventId: this.#newEvent(type, requested), request, meta: this.meta }], rejected: [] };
  }

  async enableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse> {
    this.#enter('enableSubscriptions', token, []);
    if (this.#handlers.enableSubscriptions) return this.#handlers.enableSubscriptions(token);
    this.subscriptionManagement = true;
    return { ...this.meta, subscriptionManagement: true };
  }

  async disableSubscriptions(token: Secret): Promise<SubscriptionManagementResponse> {
    this.#enter('disableSubscriptions', token, []);
    if (this.#handlers.disableSubscriptions) return this.#handlers.disableSubscriptions(token);
    if (this.subscriptions.some((s) => s.counts.total.renewing + s.counts.total.expiring > 0))
      throw appleRefusal(9818);
    this.subscriptionManagement = false;
    return { ...this.meta, subscriptionManagement: false };
  }

  async *#cursor<T>(items: readonly T[], from?: string): AsyncIterable<CursorPage<T>> {
    const size = Number.isFinite(this.pageSize) ? this.pageSize : Math.max(1, items.length);
    for (let at = from === undefined ? 0 : Number(from); ; at += size) {
      const next = at + size < items.length ? String(at + size) : undefined;
      yield {
        items: structuredClone(items.slice(at, at + size)),
        ...(next === undefined ? {} : { nextCursor: next }),
        versionId: this.versionId,
        meta: this.meta,
      };
      if (next === undefined) return;
    }
  }

  subscriptionPages(
    token: Secret,
    filter: SubscriptionFilter = {},
    cursor?: string,
  ): AsyncIterable<CursorPage<ResponseSubscription>> {
    this.#enter('subscriptionPages', token, [filter, cursor]);
    return this.#cursor(
      this.subscriptions.filter(
        (s) =>
          (!filter.adamIds?.length || filter.adamIds.includes(s.adamId)) &&
          (!filter.parentAdamIds?.length || filter.parentAdamIds.includes(s.parentAdamId ?? '')),
      ),
      cursor,
    );
  }

  subscriptionAssignmentPages(
    token: Secret,
    filter: SubscriptionAssignmentFilter = {},
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAssignment>> {
    this.#enter('subscriptionAssignmentPages', token, [filter, cursor]);
    return this.#cursor(
      this.subscriptionAssignments.filter(
        (a) =>
          (!filter.adamIds?.length || filter.adamIds.includes(a.adamId)) &&
          (!filter.clientUserIds?.length || filter.clientUserIds.includes(a.clientUserId)),
      ),
      cursor,
    );
  }

  subscriptionAdminPages(
    token: Secret,
    filter: SubscriptionAdminFilter,
    cursor?: string,
  ): AsyncIterable<CursorPage<SubscriptionAdmin>> {
    this.#enter('subscriptionAdminPages', token, [filter, cursor]);
    return this.#cursor(
      this.subscriptionAdmins.filter((a) => filter.adamIds.includes(a.adamId)),
      cursor,
    );
  }

  async #readCursor<T>(walk: AsyncIterable<CursorPage<T>>): Promise<CursorReadResult<T>> {
    const items: T[] = [];
    let pages = 0;
    for await (const page of walk) {
      pages++;
      items.push(...page.items);
    }
    return { items, versionId: this.versionId, pages, meta: this.meta };
  }

  readSubscriptions(
    token: Secret,
    filter?: SubscriptionFilter,
  ): Promise<CursorReadResult<ResponseSubscription>> {
    return this.#readCursor(this.subscriptionPages(token, filter));
  }

  readSubscriptionAssignments(
    token: Secret,
    filter?: SubscriptionAssignmentFilter,
  ): Promise<CursorReadResult<SubscriptionAssignment>> {
    return this.#readCursor(this.subscriptionAssignmentPages(token, filter));
  }

  async associateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly renewing: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>> {
    this.#enter('associateSubscriptions', token, [request]);
    if (this.#handlers.associateSubscriptions) return this.#handlers.associateSubscriptions(token, request);
    return this.#submit('ASSOCIATE', request, request.adamIds.length * request.clientUserIds.length);
  }

  async disassociateSubscriptions(
    token: Secret,
    request: ManageSubscriptionsRequest & { readonly deferred: boolean },
  ): Promise<BatchSubmission<ManageSubscriptionsRequest>> {
    this.#enter('disassociateSubscriptions', token, [request]);
    if (this.#handlers.disassociateSubscriptions)
      return this.#handlers.disassociateSubscriptions(token, request);
    return this.#submit('DISASSOCIATE', request, request.adamIds.length * request.clientUserIds.length);
  }

  async addSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void> {
    this.#enter('addSubscriptionAdmins', token, [request]);
    for (const adamId of request.adamIds)
      for (const clientUserId of request.clientUserIds)
        if (!this.subscriptionAdmins.some((a) => a.adamId === adamId && a.clientUserId === clientUserId))
          this.subscriptionAdmins.push({ adamId, clientUserId });
  }

  async removeSubscriptionAdmins(token: Secret, request: ManageSubscriptionsRequest): Promise<void> {
    this.#enter('removeSubscriptionAdmins', token, [request]);
    this.subscriptionAdmins = this.subscriptionAdmins.filter(
      (a) => !(request.adamIds.includes(a.adamId) && request.clientUserIds.includes(a.clientUserId)),
    );
  }

  async associateAssets(
    token: Secret,
    request: ManageAssetsRequest,
  ): Promise<BatchSubmission<ManageAssetsRequest>> {
    this.#enter('associateAssets', token, [request]);
    if (this.#handlers.associateAssets) return this.#handlers.associateAssets(token, request);
    const subjects = (request.serialNumbers?.length ?? 0) + (request.clientUserIds?.length ?? 0);
    return this.#submit('ASSOCIATE', request, subjects * request.assets.length);
  }

  async disassociateAssets(
    token: Secret,
    request: ManageAssetsRequest,
  ): Promise<BatchSubmission<ManageAssetsRequest>> {
    this.#enter('disassociateAssets', token, [request]);
    if (this.#handlers.disassociateAssets) return this.#handlers.disassociateAssets(token, request);
    const subjects = (request.serialNumbers?.length ?? 0) + (request.clientUserIds?.length ?? 0);
    return this.#submit('DISASSOCIATE', request, subjects * request.assets.length);
  }

  async revokeAssets(
    token: Secret,
    request: RevokeAssetsRequest,
  ): Promise<BatchSubmission<RevokeAssetsRequest>> {
    this.#enter('revokeAssets', token, [request]);
    if (this.#handlers.revokeAssets) return this.#handlers.revokeAssets(token, request);
    const subjects = (request.serialNumbers?.length ?? 0) + (request.clientUserIds?.length ?? 0);
    return this.#submit('REVOKE', request, subjects);
  }

  async createUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    this.#enter('createUsers', token, [users]);
    if (this.#handlers.createUsers) return this.#handlers.createUsers(token, users);
    return this.#submit('CREATE', [...users], users.length);
  }

  async updateUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    this.#enter('updateUsers', token, [users]);
    if (this.#handlers.updateUsers) return this.#handlers.updateUsers(token, users);
    return this.#submit('UPDATE', [...users], users.length);
  }

  async retireUsers(token: Secret, users: readonly RequestUser[]): Promise<BatchSubmission<RequestUser[]>> {
    this.#enter('retireUsers', token, [users]);
    if (this.#handlers.retireUsers) return this.#handlers.retireUsers(token, users);
    return this.#submit('RETIRE', [...users], users.length);
  }

  async eventStatus(token: Secret, eventId: string): Promise<EventOutcome> {
    this.#enter('eventStatus', token, [eventId]);
    if (this.#handlers.eventStatus) return this.#handlers.eventStatus(token, eventId);
    const outcome = this.events.get(eventId);
    if (!outcome) throw VppApiError.fromApple(9708, 'Event not found.');
    return structuredClone(outcome);
  }

  async followEvent(token: Secret, eventId: string): Promise<EventOutcome> {
    this.#enter('followEvent', token, [eventId]);
    if (this.#handlers.followEvent) return this.#handlers.followEvent(token, eventId);
    const outcome = this.events.get(eventId);
    if (!outcome) throw VppApiError.fromApple(9708, 'Event not found.');
    return structuredClone(outcome);
  }

  async contentMetadata(
    token: Secret,
    adamIds: readonly string[],
    options: { country: string; platform: string },
  ): Promise<Map<string, ContentMetadata>> {
    this.#enter('contentMetadata', token, [adamIds, options]);
    if (this.#handlers.contentMetadata) return this.#handlers.contentMetadata(token, adamIds, options);
    return new Map(
      adamIds.flatMap((id) => {
        const found = this.metadata.get(id);
        return found ? [[id, found] as const] : [];
      }),
    );
  }
}
