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
  EventOutcome,
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
  RequestUser,
  ResponseAsset,
  ResponseMeta,
  ResponseUser,
  RevokeAssetsRequest,
  ServiceConfig,
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
