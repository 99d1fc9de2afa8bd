import type { LoggedRequest } from './types.ts';

/**
 * Apple's `maxRequestPerSecond` per location (reference §3, §8.5): a sliding one-second window of
 * accepted requests. Rejected requests are not counted, so a client that waits the `Retry-After`
 * second gets through again. Uses the system clock, not the simulator's `now()`, because the limit is
 * about real request rate even when tests freeze the clock.
 */
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();

  /** Records the request and says whether it fits in the window. */
  allow(key: string, maxPerSecond: number, nowMs: number = performance.now()): boolean {
    const windowStart = nowMs - 1000;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > windowStart);
    if (hits.length >= maxPerSecond) {
      this.#hits.set(key, hits);
      return false;
    }
    hits.push(nowMs);
    this.#hits.set(key, hits);
    return true;
  }
}

/** Every authenticated request in arrival order, so tests can check a ceiling (the newest 100,000). */
export class RequestLog {
  static readonly MAX = 100_000;
  #entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.#entries.push(entry);
    if (this.#entries.length > RequestLog.MAX) this.#entries = this.#entries.slice(-RequestLog.MAX / 2);
  }

  entries(): readonly LoggedRequest[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries = [];
  }
}
