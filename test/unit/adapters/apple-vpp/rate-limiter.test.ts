/**
 * The shared per-token rate limiter: every process's requests of one token take evenly spaced slots
 * from one store, so together they never exceed the token's rate in any aligned second, one process
 * alone may use the whole rate, a 9646 holds back every process, and tokens never wait for each other.
 * The clock stands still; each request's arrival is when its wait would end.
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryRateSlots,
  SharedRateLimiter,
  slotSpacing,
} from '../../../../shared/adapters/apple-vpp/rate-limiter.ts';
import type { RateSlotStore } from '../../../../shared/application/ports/rate-slot-store.ts';

const START = Date.parse('2026-12-04T12:00:00Z');
const clock = { now: () => new Date(START) };

/**
 * A limiter as one process holds it, recording when each of its requests would leave: a request
 * waits at most once (the clock stands still, so no wait ends late), and one that does not wait
 * leaves now.
 */
function process(store: RateSlotStore) {
  const waits: number[] = [];
  let requests = 0;
  const limiter = new SharedRateLimiter(store, clock, async (ms) => {
    waits.push(START + ms);
  });
  return {
    limiter,
    get arrivals() {
      return [...Array.from({ length: requests - waits.length }, () => START), ...waits];
    },
    async request(key: string, perSecond: number) {
      requests++;
      await limiter.acquire(key, perSecond);
    },
  };
}

/** The most requests in any aligned one-second window. */
const busiestSecond = (times: number[]) => {
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(...perSecond.values());
};

describe('SharedRateLimiter', () => {
  it('keeps three processes on one token under its rate in every aligned second, spaced evenly', async () => {
    const store = new InMemoryRateSlots();
    const processes = [process(store), process(store), process(store)];
    await Promise.all(processes.flatMap((p) => Array.from({ length: 40 }, () => p.request('token-a', 15))));
    const all = processes.flatMap((p) => p.arrivals).sort((a, b) => a - b);
    expect(all).toHaveLength(120);
    expect(new Set(all).size).toBe(120);
    for (let i = 1; i < all.length; i++)
      expect((all[i] ?? 0) - (all[i - 1] ?? 0)).toBeGreaterThanOrEqual(slotSpacing(15) - 0.01);
    expect(busiestSecond(all)).toBeLessThanOrEqual(15);
    // All of the rate is used: 120 requests at 13.5 per second take under nine seconds.
    expect((all.at(-1) ?? 0) - START).toBeLessThan(9_000);
  });

  it('lets one process alone use the whole rate', async () => {
    const alone = process(new InMemoryRateSlots());
    for (let i = 0; i < 27; i++) await alone.request('token-a', 15);
    expect((alone.arrivals.at(-1) ?? 0) - START).toBeCloseTo(26 * slotSpacing(15), 1);
  });

  it("takes one process's concurrent requests of a token one swap each, none refused by another's", async () => {
    const inner = new InMemoryRateSlots();
    let swaps = 0;
    let refused = 0;
    const counting: RateSlotStore = {
      read: (key) => inner.read(key),
      async swap(key, expected, next) {
        swaps++;
        const result = await inner.swap(key, expected, next);
        if (!result.swapped) refused++;
        return result;
      },
    };
    const p = process(counting);
    await Promise.all(Array.from({ length: 20 }, () => p.request('token-a', 15)));
    expect({ swaps, refused }).toEqual({ swaps: 20, refused: 0 });
    expect(new Set(p.arrivals).size).toBe(20);
  });

  it('takes the slot again when another process moved it between the read and the swap', async () => {
    const inner = new InMemoryRateSlots();
    let conflicts = 1;
    const racing: RateSlotStore = {
      read: (key) => inner.read(key),
      async swap(key, expected, next) {
        if (conflicts-- > 0) await inner.swap(key, expected, (expected ?? START) + 500); // the other process
        return inner.swap(key, expected, next);
      },
    };
    const p = process(racing);
    await p.request('token-a', 10);
    expect(p.arrivals).toEqual([START + 500]);
  });

  it("holds back every process's requests of a token after a 9646, and only that token's", async () => {
    const store = new InMemoryRateSlots();
    const [one, two] = [process(store), process(store)];
    await one.request('token-a', 15);
    await one.limiter.pause('token-a', 3_000);
    await two.request('token-a', 15);
    await two.request('token-b', 15);
    expect(two.arrivals).toEqual([START, START + 3_000]); // token-b at once, token-a after the pause
    // A shorter pause never shortens a longer one.
    await one.limiter.pause('token-a', 1_000);
    await one.request('token-a', 15);
    expect(one.arrivals.at(-1)).toBeCloseTo(START + 3_000 + slotSpacing(15), 1);
  });

  it('takes a new slot when its wait ended late, so a late request is never bunched with the next', async () => {
    let now = START;
    const store = new InMemoryRateSlots();
    const sent: number[] = [];
    let overshoot = 400;
    const limiter = new SharedRateLimiter(store, { now: () => new Date(now) }, async (ms) => {
      now += ms + overshoot;
      overshoot = 0;
    });
    await limiter.acquire('token-a', 10); // the first slot is now: no wait
    sent.push(now);
    await limiter.acquire('token-a', 10); // waits 111 ms, wakes 400 ms late, takes the slot after
    sent.push(now);
    expect(sent[0]).toBe(START);
    expect((sent[1] ?? 0) - START).toBeCloseTo(511.1, 0);
    expect(await store.read('token-a')).toBeCloseTo(START + 511.1 + slotSpacing(10), 0);
  });
});
