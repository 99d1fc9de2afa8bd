/**
 * Keeps one process under Apple's `maxRequestPerSecond` per content token: requests of one token are
 * spaced evenly, and a throttling answer pauses every request of that token until Apple's
 * `Retry-After` has passed. (Across Lambda functions the service caps the concurrency of the
 * functions that call Apple; SPEC §5.4.)
 */
import type { Clock } from '../../application/ports/clock.ts';

/** Waits `ms` milliseconds (tests pass one that only moves their clock). */
export type Sleep = (ms: number) => Promise<void>;

export class PerTokenRateLimiter {
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #nextSlot = new Map<string, number>();

  constructor(clock: Clock, sleep: Sleep) {
    this.#clock = clock;
    this.#sleep = sleep;
  }

  /**
   * Waits for this token's next free slot. Requests are spaced for 90% of `perSecond`: network jitter
   * can bunch evenly spaced requests together on arrival, and Apple counts arrivals.
   */
  async acquire(tokenKey: string, perSecond: number): Promise<void> {
    const spacing = 1000 / Math.max(0.1, perSecond * 0.9);
    const now = this.#clock.now().getTime();
    const slot = Math.max(now, this.#nextSlot.get(tokenKey) ?? now);
    this.#nextSlot.set(tokenKey, slot + spacing);
    if (slot > now) await this.#sleep(slot - now);
  }

  /** Holds every request of this token back for `ms` (Apple said to back off). */
  pause(tokenKey: string, ms: number): void {
    const until = this.#clock.now().getTime() + ms;
    if ((this.#nextSlot.get(tokenKey) ?? 0) < until) this.#nextSlot.set(tokenKey, until);
  }
}
