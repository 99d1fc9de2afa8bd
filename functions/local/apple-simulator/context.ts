/**
 * What every part of a running simulator shares: resolved options, the state, the clock and the
 * collaborators (notifier, event engine, faults, rate limiter, call counter). Built once by
 * `startAppleSimulator` and passed explicitly: no module-level singletons, so several simulators
 * can run in one process. The notifier and the event engine are seen here through the interfaces
 * below, which they implement: they depend on the context, never the other way round.
 */
import type { EventType } from '#application/ports/vpp-schemas.ts';
import type { FaultController } from './faults.ts';
import type { RateLimiter, RequestLog } from './rate-limit.ts';
import type { Rng } from './rng.ts';
import type { EventPayload, EventRecord, LocationRecord, SimState } from './state.ts';

/** `SimulatorOptions` with every default applied. */
export interface ResolvedOptions {
  readonly port: number;
  readonly stateDir: string | undefined;
  readonly allowHttpNotifications: boolean;
  readonly pageSize: number;
  readonly eventDelayMs: number;
  readonly notificationRetryMs: number;
  readonly limits: Readonly<Record<string, number>>;
  readonly enforceRateLimit: boolean;
  readonly unknownTokenError: 9622 | 9601;
  readonly quiet: boolean;
}

/** The notification types sent asynchronously (TEST_NOTIFICATION is sent by `sendTest`). */
export type NotificationType =
  | 'ASSET_MANAGEMENT'
  | 'USER_MANAGEMENT'
  | 'USER_ASSOCIATED'
  | 'ASSET_COUNT'
  | 'SUBSCRIPTION_MANAGEMENT'
  | 'SUBSCRIPTION_COUNT';

/** What the simulator's parts ask of the notifier (`Notifier`). */
export interface NotificationSender {
  /** Queues a notification, if the location subscribed to the type and has a URL and token. */
  enqueue(location: LocationRecord, notificationType: NotificationType, notification: object): void;
  /** The synchronous `TEST_NOTIFICATION` of `POST client/config`: true when delivered. */
  sendTest(url: string, authToken: string, uId: string, locationId: string): Promise<boolean>;
}

/** What the simulator's parts ask of the event engine (`EventEngine`). */
export interface EventIntake {
  /** Records a new pending event and schedules its processing. */
  accept(
    location: LocationRecord,
    eventType: EventType,
    payload: EventPayload,
    numRequested: number,
  ): EventRecord;
}

/** The runtime shared by the server, the event engine, the notifier and the controls. */
export interface SimulatorContext {
  readonly options: ResolvedOptions;
  readonly state: SimState;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  url: string;
  now(): Date;
  /** Marks the state changed: a debounced save follows when a state directory is set. */
  changed(): void;
  log(message: string): void;
  readonly rng: Rng;
  readonly faults: FaultController;
  readonly notifier: NotificationSender;
  readonly events: EventIntake;
  readonly rateLimiter: RateLimiter;
  /** Requests per endpoint key (`'GET assets'`). */
  readonly calls: Map<string, number>;
  /** Every authenticated Apple request, in arrival order (`/_sim/requests`). */
  readonly requests: RequestLog;
  /** Aborted when the simulator closes: waits (slow faults) end at once. */
  readonly closing: AbortSignal;
}

/** A limit by name, with Apple's example value when nobody overrode it. */
export function limit(ctx: SimulatorContext, name: string): number {
  return ctx.options.limits[name] ?? Number.POSITIVE_INFINITY;
}
