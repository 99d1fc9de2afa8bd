/**
 * What an account's counts are (account-counts.ts): the sums over its assets that are not unlimited,
 * its number of assets, its users that are not retired; and the change each write makes to them, which
 * the repositories add to their summaries in the same write.
 */
import { describe, expect, it } from 'vitest';
import {
  assetTotalsChange,
  assetTotalsOf,
  countsOf,
  noTotalsChange,
  userCountChange,
} from '../../../shared/domain/account-counts.ts';

const asset = (totalCount: number, assignedCount: number, availableCount: number, unlimited = false) => ({
  unlimited,
  totalCount,
  assignedCount,
  availableCount,
});

describe('countsOf', () => {
  it('sums Apple’s counts over the assets that are not unlimited, counts every asset, and the users not retired', () => {
    const counts = countsOf(
      [asset(10, 4, 6), asset(5, 5, 0), asset(2_147_483_647, 30, 0, true)],
      [{ status: 'New' }, { status: 'Invited' }, { status: 'Associated' }, { status: 'Retired' }],
    );
    expect(counts).toEqual({ assets: 3, licenses: { total: 15, assigned: 9, available: 6 }, users: 3 });
  });

  it('is zero for an account with nothing', () => {
    expect(countsOf([], [])).toEqual({
      assets: 0,
      licenses: { total: 0, assigned: 0, available: 0 },
      users: 0,
    });
  });

  it('takes counts that do not add up as Apple said them', () => {
    expect(countsOf([asset(10, 8, 5)], []).licenses).toEqual({ total: 10, assigned: 8, available: 5 });
  });
});

describe('the change of a write', () => {
  it('adds a new asset, removes a gone one, and moves by the difference of Apple’s counts', () => {
    expect(assetTotalsChange(undefined, asset(10, 4, 6))).toEqual(assetTotalsOf(asset(10, 4, 6)));
    expect(assetTotalsChange(asset(10, 4, 6), undefined)).toEqual({
      assets: -1,
      licenses: { total: -10, assigned: -4, available: -6 },
    });
    expect(assetTotalsChange(asset(10, 4, 6), asset(12, 5, 7))).toEqual({
      assets: 0,
      licenses: { total: 2, assigned: 1, available: 1 },
    });
    expect(noTotalsChange(assetTotalsChange(asset(10, 4, 6), asset(10, 4, 6)))).toBe(true);
  });

  it('counts an unlimited asset as an asset only, also when it becomes limited', () => {
    const free = asset(2_147_483_647, 3, 0, true);
    expect(assetTotalsOf(free)).toEqual({ assets: 1, licenses: { total: 0, assigned: 0, available: 0 } });
    expect(assetTotalsChange(free, asset(20, 3, 17))).toEqual({
      assets: 0,
      licenses: { total: 20, assigned: 3, available: 17 },
    });
  });

  it('moves the users by one when a user is added, retired or comes back, and not otherwise', () => {
    expect(userCountChange(undefined, { status: 'New' })).toBe(1);
    expect(userCountChange(undefined, { status: 'Retired' })).toBe(0);
    expect(userCountChange({ status: 'Invited' }, { status: 'Retired' })).toBe(-1);
    expect(userCountChange({ status: 'Retired' }, { status: 'Invited' })).toBe(1);
    expect(userCountChange({ status: 'New' }, { status: 'Associated' })).toBe(0);
    expect(userCountChange({ status: 'Associated' }, undefined)).toBe(-1);
  });
});
