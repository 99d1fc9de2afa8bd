/**
 * Persistence of the simulator state in `${stateDir}/state.json`: loaded (and validated) at start,
 * saved after changes with a ~200 ms debounce and on close. A save writes a temporary file and renames
 * it over the old one, so a crash never leaves half a file. Tokens, version logs, pending events and
 * pending notification deliveries all survive a restart.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { MdmInfoSchema, PricingParamSchema, ProductTypeSchema } from '#application/ports/vpp-schemas.ts';
import {
  assetKey,
  assignmentKey,
  type Delivery,
  emptyState,
  type LocationRecord,
  locationFacts,
  type SimState,
  type UserRecord,
} from './state.ts';
import { newSubscriptionVersions } from './subscriptions.ts';
import { newVersionLog } from './versions.ts';

const SAVE_DEBOUNCE_MS = 200;
const FORMAT = 'apple-simulator-state';

const AssetSchema = z.object({
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  productType: ProductTypeSchema,
  name: z.string(),
  bundleId: z.string().optional(),
  unlimited: z.boolean(),
  totalCount: z.number().int(),
  assignedCount: z.number().int(),
  retiredCount: z.number().int(),
  deviceAssignable: z.boolean(),
  revocable: z.boolean(),
  supportedPlatforms: z.array(z.string()),
});

const UserSchema = z.object({
  ref: z.string(),
  clientUserId: z.string(),
  email: z.string().optional(),
  managedAppleId: z.string().optional(),
  status: z.enum(['Registered', 'Associated', 'Retired']),
  inviteCode: z.string().optional(),
  usedInviteCode: z.string().optional(),
  idHash: z.string().optional(),
  version: z.number().int(),
});

const TaskSchema = z.object({
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  serialNumber: z.string().optional(),
  clientUserId: z.string().optional(),
  userRef: z.string().optional(),
});

const AssignmentRecordSchema = TaskSchema.extend({ version: z.number().int() });

const SubscriptionSchema = z.object({
  adamId: z.number().int(),
  parentAdamId: z.number().int().nullable(),
  name: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'PAUSED']),
  periodEndDate: z.string(),
  licences: z.object({ renewing: z.number().int(), expiring: z.number().int() }),
  seats: z.array(
    z.object({
      clientUserId: z.string(),
      userRef: z.string(),
      renewing: z.boolean(),
      backing: z.enum(['renewing', 'expiring']),
      source: z.enum(['mdm', 'group']),
      pendingRemovalEventId: z.string().optional(),
    }),
  ),
  admins: z.array(z.string()),
});

const LocationSchema = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  uId: z.string(),
  countryISO2ACode: z.string(),
  defaultPlatform: z.string(),
  websiteURL: z.string(),
  mdmInfo: MdmInfoSchema.optional(),
  notificationUrl: z.string().optional(),
  notificationAuthToken: z.string().optional(),
  subscribedNotificationTypes: z.array(z.string()),
  assets: z.array(AssetSchema),
  users: z.array(UserSchema),
  assignments: z.array(AssignmentRecordSchema),
  assetsVersionId: z.string(),
  usersVersions: z.array(z.string()).min(1),
  assignmentsVersions: z.array(z.string()).min(1),
  nextUserRef: z.number().int(),
  // Absent from states saved before subscriptions: none, never stated.
  subscriptionManagement: z.enum(['unstated', 'enabled', 'disabled']).default('unstated'),
  subscriptions: z.array(SubscriptionSchema).default([]),
  subscriptionVersions: z
    .object({ subscriptions: z.string(), assignments: z.string(), admins: z.string() })
    .optional(),
});

const EventSchema = z.object({
  eventId: z.string(),
  locationId: z.string(),
  eventType: z.enum(['ASSOCIATE', 'DISASSOCIATE', 'REVOKE', 'CREATE', 'UPDATE', 'RETIRE']),
  eventStatus: z.enum(['PENDING', 'COMPLETE', 'FAILED']),
  numRequested: z.number().int(),
  numCompleted: z.number().int(),
  failures: z.array(
    z.object({
      errorNumber: z.number().int(),
      errorMessage: z.string(),
      errorInfo: z
        .object({
          assets: z.array(z.object({ adamId: z.string(), pricingParam: PricingParamSchema })).optional(),
          clientUserIds: z.array(z.string()).optional(),
          serialNumbers: z.array(z.string()).optional(),
        })
        .optional(),
    }),
  ),
  payload: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('assets'),
      assets: z.array(z.object({ adamId: z.string(), pricingParam: PricingParamSchema })),
      clientUserIds: z.array(z.string()),
      serialNumbers: z.array(z.string()),
    }),
    z.object({ kind: z.literal('revoke'), tasks: z.array(TaskSchema) }),
    z.object({
      kind: z.literal('subscriptions'),
      adamIds: z.array(z.number().int()),
      clientUserIds: z.array(z.string()),
      renewing: z.boolean(),
      deferred: z.boolean(),
    }),
    z.object({
      kind: z.literal('users'),
      users: z.array(
        z.object({
          clientUserId: z.string(),
          email: z.string().optional(),
          managedAppleId: z.string().optional(),
        }),
      ),
    }),
  ]),
  createdAt: z.string(),
  dueAt: z.number(),
  completedAt: z.string().optional(),
});

const DeliverySchema = z.object({
  notificationId: z.string(),
  notificationType: z.string(),
  locationId: z.string(),
  url: z.string(),
  authToken: z.string(),
  envelope: z.record(z.string(), z.unknown()),
  outcome: z.enum(['pending', 'delivered', 'failed', 'dropped']),
  duplicated: z.boolean(),
  attempts: z.array(
    z.object({ at: z.string(), status: z.number().optional(), error: z.string().optional() }),
  ),
  // JSON has no Infinity: the in-flight test notification is saved as null.
  dueAt: z.number().nullable(),
  retryPending: z.boolean(),
  sendTwice: z.boolean(),
});

const PersistedStateSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  organizations: z.array(
    z.object({ id: z.string(), name: z.string(), managedAppleIdDomain: z.string().optional() }),
  ),
  locations: z.array(LocationSchema),
  tokens: z.array(
    z.object({
      content: z.string(),
      locationId: z.string(),
      expiresAt: z.string(),
      expired: z.boolean(),
      revoked: z.boolean(),
    }),
  ),
  events: z.array(EventSchema),
  deliveries: z.array(DeliverySchema),
});

/** Loads and saves one simulator's state file (nothing at all without a state directory). */
export class StateStore {
  readonly #file: string | undefined;
  readonly #dir: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #state: SimState | undefined;
  readonly #onError: (message: string) => void;

  constructor(stateDir: string | undefined, onError: (message: string) => void) {
    this.#dir = stateDir;
    this.#file = stateDir === undefined ? undefined : join(stateDir, 'state.json');
    this.#onError = onError;
  }

  /** Reads the saved state, or an empty one when there is none (or no state directory). */
  load(): SimState {
    let text: string | undefined;
    if (this.#file !== undefined && this.#dir !== undefined) {
      mkdirSync(this.#dir, { recursive: true });
      try {
        text = readFileSync(this.#file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    this.#state = text === undefined ? emptyState() : decode(text, this.#file ?? '');
    return this.#state;
  }

  /** Asks for a save soon; many changes in a burst make one write. */
  schedule(): void {
    if (this.#file === undefined || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.save();
    }, SAVE_DEBOUNCE_MS);
  }

  /** Writes now (after any write in progress). */
  save(): Promise<void> {
    const file = this.#file;
    const state = this.#state;
    if (file === undefined || state === undefined) return Promise.resolve();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Serialise at call time, so the write reflects the state as it is now.
    const text = JSON.stringify(encode(state));
    this.#writing = this.#writing
      .then(async () => {
        await mkdir(this.#dir ?? '.', { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, file);
      })
      .catch((error: unknown) => this.#onError(`could not save state: ${String(error)}`));
    return this.#writing;
  }
}

function encode(state: SimState): z.input<typeof PersistedStateSchema> {
  return {
    format: FORMAT,
    version: 1,
    organizations: [...state.organizations.values()],
    locations: [...state.locations.values()].map((l) => ({
      ...locationFacts(l),
      mdmInfo: l.mdmInfo,
      notificationUrl: l.notificationUrl,
      notificationAuthToken: l.notificationAuthToken,
      subscribedNotificationTypes: l.subscribedNotificationTypes,
      assets: [...l.assets.values()],
      users: [...l.users.values()],
      assignments: [...l.assignments.values()],
      assetsVersionId: l.assetsVersionId,
      usersVersions: l.usersVersions.ids,
      assignmentsVersions: l.assignmentsVersions.ids,
      nextUserRef: l.nextUserRef,
      subscriptionManagement: l.subscriptionManagement,
      subscriptions: [...l.subscriptions.values()].map((s) => ({
        ...s,
        licences: { ...s.licences },
        seats: [...s.seats.values()],
        admins: [...s.admins],
      })),
      subscriptionVersions: l.subscriptionVersions,
    })),
    tokens: [...state.tokens.values()],
    events: [...state.events.values()],
    deliveries: state.deliveries.map((d) => ({ ...d, dueAt: Number.isFinite(d.dueAt) ? d.dueAt : null })),
  };
}

function decode(text: string, file: string): SimState {
  const parsed = PersistedStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file} is not a simulator state (${issue?.path.join('.')}: ${issue?.message}); delete it to start over`,
    );
  }
  const data = parsed.data;
  const state = emptyState();
  for (const org of data.organizations) state.organizations.set(org.id, org);
  for (const l of data.locations) state.locations.set(l.id, decodeLocation(l));
  for (const t of data.tokens) state.tokens.set(t.content, t);
  for (const e of data.events) state.events.set(e.eventId, e);
  for (const d of data.deliveries) {
    const delivery: Delivery = { ...d, dueAt: d.dueAt ?? Number.POSITIVE_INFINITY };
    // A test notification cut off by a stop never reached its caller: count it as failed.
    if (d.dueAt === null && delivery.outcome === 'pending') delivery.outcome = 'failed';
    state.deliveries.push(delivery);
  }
  return state;
}

function decodeLocation(l: z.infer<typeof LocationSchema>): LocationRecord {
  const users = new Map<string, UserRecord>(l.users.map((u) => [u.ref, u]));
  const activeUsers = new Map<string, string>();
  for (const u of users.values()) if (u.status !== 'Retired') activeUsers.set(u.clientUserId, u.ref);
  const assignments = new Map(l.assignments.map((a) => [assignmentKey(a, a), a]));
  const location: LocationRecord = {
    ...locationFacts(l),
    subscribedNotificationTypes: l.subscribedNotificationTypes,
    assets: new Map(l.assets.map((a) => [assetKey(a), a])),
    users,
    activeUsers,
    assignments,
    assetsVersionId: l.assetsVersionId,
    usersVersions: newVersionLog(l.usersVersions),
    assignmentsVersions: newVersionLog(l.assignmentsVersions),
    nextUserRef: l.nextUserRef,
    subscriptionManagement: l.subscriptionManagement,
    subscriptions: new Map(
      l.subscriptions.map((s) => [
        s.adamId,
        { ...s, seats: new Map(s.seats.map((seat) => [seat.clientUserId, seat])), admins: new Set(s.admins) },
      ]),
    ),
    subscriptionVersions: l.subscriptionVersions ?? newSubscriptionVersions(),
  };
  if (l.mdmInfo) location.mdmInfo = l.mdmInfo;
  if (l.notificationUrl !== undefined) location.notificationUrl = l.notificationUrl;
  if (l.notificationAuthToken !== undefined) location.notificationAuthToken = l.notificationAuthToken;
  return location;
}
