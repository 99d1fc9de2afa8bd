/**
 * Delivers notifications the way Apple describes (reference §9.2): a JSON POST of
 * `{notification, notificationId, notificationType, uId}` to the location's `notificationUrl`, with
 * `Authorization: Bearer <notificationAuthToken>`, only for subscribed types. Any 2xx is delivered;
 * otherwise up to three attempts `notificationRetryMs` apart, then it gives up. Deliveries of one
 * location go out one at a time, in order, which keeps tests deterministic; a failing receiver only
 * delays its own location. Every notification is kept in the delivery log (state), pending ones
 * included, so they survive a restart.
 */
import type { ClientRequest } from 'node:http';
import type { NotificationSender, NotificationType, SimulatorContext } from './context.ts';
import { postJson } from './http-post.ts';
import { newUuid } from './identifiers.ts';
import type { Delivery, LocationRecord } from './state.ts';

/** Apple gives up after three attempts. */
export const MAX_ATTEMPTS = 3;
/** Per attempt, and for the synchronous test notification of `client/config`. */
export const DELIVERY_TIMEOUT_MS = 5000;
/** The log keeps this many finished deliveries (pending ones are never dropped). */
const LOG_CAPACITY = 5000;

/** Queues, sends, retries and logs notifications. */
export class Notifier implements NotificationSender {
  readonly #ctx: SimulatorContext;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #pumps = new Map<string, Promise<void>>();
  readonly #inflight = new Set<ClientRequest>();
  #closed = false;

  constructor(ctx: SimulatorContext) {
    this.#ctx = ctx;
  }

  /**
   * Queues a notification for the location if it subscribed to the type and has a URL and token.
   * Notification faults (drop, duplicate, delay) are decided here, once per notification.
   */
  enqueue(location: LocationRecord, notificationType: NotificationType, notification: object): void {
    const { notificationUrl, notificationAuthToken } = location;
    if (!notificationUrl || !notificationAuthToken) return;
    if (!location.subscribedNotificationTypes.includes(notificationType)) return;
    const faults = this.#ctx.faults.config.notifications ?? {};
    const rng = this.#ctx.rng;
    const dropped = faults.dropAll === true || rng.chance(faults.dropProbability);
    const notificationId = newUuid();
    const delivery: Delivery = {
      notificationId,
      notificationType,
      locationId: location.id,
      url: notificationUrl,
      authToken: notificationAuthToken,
      envelope: { notification, notificationId, notificationType, uId: location.uId },
      outcome: dropped ? 'dropped' : 'pending',
      duplicated: false,
      attempts: [],
      dueAt: Date.now() + (faults.delayMs ?? 0),
      retryPending: false,
      sendTwice: !dropped && rng.chance(faults.duplicateProbability),
    };
    this.#append(delivery);
    if (dropped) this.#ctx.log(`notification ${notificationType} ${delivery.notificationId} dropped (fault)`);
    else this.#arm(location.id);
  }

  /**
   * The `TEST_NOTIFICATION` of `POST client/config`: one synchronous attempt, logged like the others.
   * Notification faults do not apply: they model Apple's asynchronous delivery, not this check.
   */
  async sendTest(url: string, authToken: string, uId: string, locationId: string): Promise<boolean> {
    const notificationId = newUuid();
    const delivery: Delivery = {
      notificationId,
      notificationType: 'TEST_NOTIFICATION',
      locationId,
      url,
      authToken,
      envelope: { notification: {}, notificationId, notificationType: 'TEST_NOTIFICATION', uId },
      outcome: 'pending',
      duplicated: false,
      attempts: [],
      dueAt: Number.POSITIVE_INFINITY,
      retryPending: false,
      sendTwice: false,
    };
    this.#append(delivery);
    const result = await postJson(url, authToken, delivery.envelope, DELIVERY_TIMEOUT_MS, this.#inflight);
    const ok = 'status' in result && result.status >= 200 && result.status < 300;
    delivery.attempts.push({ at: this.#ctx.now().toISOString(), ...result });
    delivery.outcome = ok ? 'delivered' : 'failed';
    this.#ctx.changed();
    return ok;
  }

  /** Re-arms the timers of deliveries left pending by a previous run. */
  resume(): void {
    for (const locationId of new Set(this.#pending().map((d) => d.locationId))) this.#arm(locationId);
  }

  /**
   * Sends everything that is due now, retries without their wait, and returns when nothing due is left
   * (deliveries held back by a `delayMs` fault stay scheduled).
   */
  async flush(): Promise<void> {
    for (;;) {
      await Promise.all([...this.#pumps.values()]);
      const now = Date.now();
      const locations = new Set(
        this.#pending()
          .filter((d) => d.dueAt <= now || d.retryPending)
          .map((d) => d.locationId),
      );
      if (locations.size === 0 || this.#closed) return;
      for (const locationId of locations) this.#start(locationId, true);
    }
  }

  /** Stops timers and aborts in-flight requests; pending deliveries stay in the state for a restart. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const req of this.#inflight) req.destroy(new Error('simulator closing'));
    await Promise.allSettled([...this.#pumps.values()]);
  }

  #pending(): Delivery[] {
    return this.#ctx.state.deliveries.filter((d) => d.outcome === 'pending' && Number.isFinite(d.dueAt));
  }

  #append(delivery: Delivery): void {
    const log = this.#ctx.state.deliveries;
    log.push(delivery);
    if (log.length > LOG_CAPACITY) {
      const excess = log.length - LOG_CAPACITY;
      let removed = 0;
      for (let i = 0; i < log.length && removed < excess; ) {
        if (log[i]?.outcome === 'pending') i += 1;
        else {
          log.splice(i, 1);
          removed += 1;
        }
      }
    }
    this.#ctx.changed();
  }

  /** Sets the location's timer to its earliest due delivery. */
  #arm(locationId: string): void {
    if (this.#closed) return;
    const existing = this.#timers.get(locationId);
    if (existing) clearTimeout(existing);
    this.#timers.delete(locationId);
    const next = this.#pending()
      .filter((d) => d.locationId === locationId)
      .reduce((min, d) => Math.min(min, d.dueAt), Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(locationId);
        this.#start(locationId, false);
      },
      Math.max(0, next - Date.now()),
    );
    this.#timers.set(locationId, timer);
  }

  #start(locationId: string, skipRetryWait: boolean): void {
    if (this.#pumps.has(locationId) || this.#closed) return;
    const timer = this.#timers.get(locationId);
    if (timer) clearTimeout(timer);
    this.#timers.delete(locationId);
    const pump = this.#pump(locationId, skipRetryWait).finally(() => {
      this.#pumps.delete(locationId);
      this.#arm(locationId);
    });
    this.#pumps.set(locationId, pump);
  }

  async #pump(locationId: string, skipRetryWait: boolean): Promise<void> {
    for (;;) {
      const now = Date.now();
      const due = this.#pending().filter(
        (d) => d.locationId === locationId && (d.dueAt <= now || (skipRetryWait && d.retryPending)),
      );
      if (due.length === 0 || this.#closed) return;
      for (const delivery of due) {
        if (this.#closed) return;
        await this.#attempt(delivery);
      }
    }
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const result = await postJson(
      delivery.url,
      delivery.authToken,
      delivery.envelope,
      DELIVERY_TIMEOUT_MS,
      this.#inflight,
    );
    // Aborted by close(): leave the delivery pending for the next run.
    if (this.#closed) return;
    delivery.attempts.push({ at: this.#ctx.now().toISOString(), ...result });
    const ok = 'status' in result && result.status >= 200 && result.status < 300;
    if (ok) {
      delivery.outcome = 'delivered';
      delivery.retryPending = false;
      if (delivery.sendTwice) {
        delivery.duplicated = true;
        const again = await postJson(
          delivery.url,
          delivery.authToken,
          delivery.envelope,
          DELIVERY_TIMEOUT_MS,
          this.#inflight,
        );
        delivery.attempts.push({ at: this.#ctx.now().toISOString(), ...again });
      }
    } else if (delivery.attempts.length >= MAX_ATTEMPTS) {
      delivery.outcome = 'failed';
      delivery.retryPending = false;
      this.#ctx.log(
        `notification ${delivery.notificationType} ${delivery.notificationId} given up after ${MAX_ATTEMPTS} attempts`,
      );
    } else {
      delivery.retryPending = true;
      delivery.dueAt = Date.now() + this.#ctx.options.notificationRetryMs;
    }
    this.#ctx.changed();
  }
}
