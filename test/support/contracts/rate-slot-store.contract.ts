/**
 * The shared Apple rate slots: a slot moves only from the value the caller read, so of two callers
 * that read the same slot exactly one moves it.
 */
import { describe, expect, it } from 'vitest';
import type { RateSlotStore } from '../../../shared/application/ports/rate-slot-store.ts';
import { type Make, newEnv, uid } from './support.ts';

export function describeRateSlotStoreContract(name: string, make: Make<RateSlotStore>): void {
  describe(`RateSlotStore contract: ${name}`, () => {
    it('keeps no slot until one is set, then moves it only from the value read', async () => {
      const store = await make(newEnv());
      const key = uid('token');
      expect(await store.read(key)).toBeUndefined();
      expect(await store.swap(key, undefined, 1_000)).toEqual({ swapped: true });
      expect(await store.swap(key, undefined, 2_000)).toEqual({ swapped: false, current: 1_000 });
      expect(await store.read(key)).toBe(1_000);
      expect(await store.swap(key, 999, 2_000)).toEqual({ swapped: false, current: 1_000 });
      expect(await store.swap(key, 1_000, 1_250.5)).toEqual({ swapped: true });
      expect(await store.read(key)).toBe(1_250.5);
    });

    it('lets exactly one of two callers that read the same slot move it, and keeps tokens apart', async () => {
      const store = await make(newEnv());
      const [a, b] = [uid('token'), uid('token')];
      await store.swap(a, undefined, 10);
      const results = await Promise.all([store.swap(a, 10, 20), store.swap(a, 10, 30)]);
      expect(results.filter((r) => r.swapped)).toHaveLength(1);
      expect(results.filter((r) => !r.swapped)).toEqual([{ swapped: false, current: expect.any(Number) }]);
      expect([20, 30]).toContain(await store.read(a));
      expect(await store.read(b)).toBeUndefined();
    });
  });
}
