/**
 * Keeps every request of one content token, from any process, under Apple's `maxRequestPerSecond`:
 * a "next free slot" limiter (GCRA without burst). Each request takes the token's next slot from a
 * shared `RateSlotStore` by compare-and-swap and moves it on by one spacing, so requests of all
 * processes are spaced evenly and a single process may use the token's whole rate. A throttling
 * answer moves the slot past Apple's `Retry-After`, holding back every process. Within one process the
 * moves of one token's slot go one at a time (their waits overlap): callers of one process never
 * refuse each other's swap, so a busy token costs one conditional write per request, not a round of
 * refused ones.
 */
import type { Clock } from '../../application/ports/clock.ts';
import type { RateSlotStore, SwapResult } from '../../application/ports/rate-slot-store.ts';

/** Waits `ms` milliseconds (tests pass one that only moves their clock). */
export type Sleep = (ms: number) => Promise<void>;

/**
 * Requests are spaced for 90% of `maxRequestPerSecond`: network jitter can bunch evenly spaced
 * requests together on arrival, and Apple counts arrivals.
 */
export const RATE_TARGET = 0.9;

/** The time between two requests of one token at `perSecond` (milliseconds). */
export const slotSpacing = (perSecond: number): number => 1000 / Math.max(0.1, perSecond * RATE_TARGET);

/** A store in this process only: the default, and the unit tests' shared store. */
export class InMemoryRateSlots implements RateSlotStore {
  readonly #slots = new Map<string, number>();

  async read(key: string): Promise<number | undefined> {
    return this.#slots.get(key);
  }

  async swap(key: string, expected: number | undefined, next: number): Promise<SwapResult> {
    const current = this.#slots.get(key);
    if (current !== expected) return { swapped: false, current };
    this.#slots.set(key, next);
    return { swapped: true };
  }
}

export class SharedRateLimiter {
  readonly #store: RateSlotStore;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  /** Where this process last saw each token's slot (a hint: a stale one only costs a refused swap). */
  readonly #known = new Map<string, number | undefined>();
  /** Each token's last move in this process: the next one starts when it ends. */
  readonly #moving = new Map<string, Promise<unknown>>();

  constructor(store: RateSlotStore, clock: Clock, sleep: Sleep) {
    this.#store = store;
    this.#clock = clock;
    this.#sleep = sleep;
  }

  /**
   * Waits for this token's next free slot. A wait that ended late (a busy event loop, a frozen
   * Lambda) by more than half a spacing would send the request bunched with the next slot's, so it
   * takes a new slot instead: a slot lost is better than a 9646.
   */
  async acquire(tokenKey: string, perSecond: number): Promise<void> {
    const spacing = slotSpacing(perSecond);
    for (;;) {
      const slot = await this.#move(tokenKey, (now, stored) => {
        const taken = Math.max(now, stored ?? now);
        return { next: taken + spacing, taken };
      });
      const wait = slot - this.#clock.now().getTime();
      if (wait > 0) await this.#sleep(wait);
      if (this.#clock.now().getTime() - slot <= spacing / 2) return;
    }
  }

  /** Holds every request of this token back for `ms`, in every process (Apple said to back off). */
  async pause(tokenKey: string, ms: number): Promise<void> {
    await this.#move(tokenKey, (now, stored) => {
      const until = now + ms;
      return stored !== undefined && stored >= until ? undefined : { next: until, taken: until };
    });
  }

  /**
   * Swaps in what `step` makes of the slot, starting from where this process last saw it (no read
   * when it is alone on the token) and again from where a refused swap says it is now.
   */
  #move(
    tokenKey: string,
    step: (now: number, stored: number | undefined) => { next: number; taken: number } | undefined,
  ): Promise<number> {
    const before = this.#moving.get(tokenKey) ?? Promise.resolve();
    const moved = before.then(
      () => this.#swapIn(tokenKey, step),
      () => this.#swapIn(tokenKey, step),
    );
    this.#moving.set(tokenKey, moved);
    // The chain is forgotten once it is idle, so a token nobody calls keeps nothing here.
    void moved.then(
      () => this.#forget(tokenKey, moved),
      () => this.#forget(tokenKey, moved),
    );
    return moved;
  }

  #forget(tokenKey: string, moved: Promise<unknown>): void {
    if (this.#moving.get(tokenKey) === moved) this.#moving.delete(tokenKey);
  }

  async #swapIn(
    tokenKey: string,
    step: (now: number, stored: number | undefined) => { next: number; taken: number } | undefined,
  ): Promise<number> {
    let stored = this.#known.has(tokenKey) ? this.#known.get(tokenKey) : await this.#store.read(tokenKey);
    for (;;) {
      const now = this.#clock.now().getTime();
      const change = step(now, stored);
      if (!change) return stored ?? now;
      const result = await this.#store.swap(tokenKey, stored, change.next);
      if (result.swapped) {
        this.#known.set(tokenKey, change.next);
        return change.taken;
      }
      stored = result.current;
    }
  }
}
