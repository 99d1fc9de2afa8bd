/** An asset's counts as Apple says them (asset.ts): when licences have arrived for who is waiting. */
import { describe, expect, it } from 'vitest';
import { licensesArrived } from '../../../shared/domain/asset.ts';

const counts = (availableCount: number, unlimited = false) => ({ availableCount, unlimited });

describe('licensesArrived', () => {
  it('is true when more are available than before, or the asset became unlimited', () => {
    expect(licensesArrived(counts(0), counts(5))).toBe(true);
    expect(licensesArrived(counts(3), counts(4))).toBe(true);
    expect(licensesArrived(counts(3), counts(0, true))).toBe(true);
  });

  it('is false when as many or fewer are available, the asset was unlimited already, or either side is unknown', () => {
    expect(licensesArrived(counts(5), counts(5))).toBe(false);
    expect(licensesArrived(counts(5), counts(2))).toBe(false);
    expect(licensesArrived(counts(0, true), counts(9, true))).toBe(false);
    expect(licensesArrived(undefined, counts(9))).toBe(false);
    expect(licensesArrived(counts(0), undefined)).toBe(false);
  });
});
