/** Holds by key with an expiry (by the clock), taken as `DynamoDebouncer` takes them. */
import type { Clock } from '../../../shared/application/ports/clock.ts';
import type { Debouncer } from '../../../shared/application/ports/debouncer.ts';

export class MemoryDebouncer implements Debouncer {
  /** Key → expiry (epoch seconds). */
  readonly holds = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async take(key: string, windowSeconds: number): Promise<boolean> {
    const now = Math.floor(this.#clock.now().getTime() / 1000);
    const held = this.holds.get(key);
    if (held !== undefined && !(held < now)) return false;
    // Held a little longer than the window: the delayed run releases it.
    this.holds.set(key, now + windowSeconds * 4 + 60);
    return true;
  }

  async release(key: string): Promise<void> {
    this.holds.delete(key);
  }
}
