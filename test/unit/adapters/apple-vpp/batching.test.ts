import { describe, expect, it } from 'vitest';
import {
  planAssetBatches,
  planRevokeBatches,
  planUserBatches,
} from '../../../../shared/adapters/apple-vpp/batching.ts';
import { DEFAULT_LIMITS } from '../../../../shared/application/ports/vpp-client.ts';

const serials = (n: number) => Array.from({ length: n }, (_, i) => `SN${String(i).padStart(6, '0')}`);
const apps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ adamId: String(1000 + i), pricingParam: 'STDQ' as const }));

function pairs(
  batches: { assets: { adamId: string }[]; serialNumbers?: string[]; clientUserIds?: string[] }[],
) {
  const all = batches.flatMap((b) =>
    b.assets.flatMap((a) =>
      [...(b.serialNumbers ?? []), ...(b.clientUserIds ?? [])].map((t) => `${a.adamId}/${t}`),
    ),
  );
  return { count: all.length, distinct: new Set(all).size };
}

describe('planAssetBatches', () => {
  it('one app to 10,000 serial numbers is 10 calls of 1,000', () => {
    const batches = planAssetBatches({ assets: apps(1), serialNumbers: serials(10_000) }, DEFAULT_LIMITS);
    expect(batches).toHaveLength(10);
    expect(batches.every((b) => b.serialNumbers?.length === 1000)).toBe(true);
    expect(pairs(batches)).toEqual({ count: 10_000, distinct: 10_000 });
  });

  it('30 apps to 2,500 devices is 6 calls, every pair exactly once', () => {
    const batches = planAssetBatches({ assets: apps(30), serialNumbers: serials(2_500) }, DEFAULT_LIMITS);
    expect(batches).toHaveLength(6);
    expect(batches.every((b) => b.assets.length <= 25 && (b.serialNumbers?.length ?? 0) <= 1000)).toBe(true);
    expect(pairs(batches)).toEqual({ count: 75_000, distinct: 75_000 });
  });

  it('puts serials and users in the same calls and removes duplicates', () => {
    const batches = planAssetBatches(
      {
        assets: [...apps(2), ...apps(2)],
        serialNumbers: [...serials(1500), ...serials(10)],
        clientUserIds: ['u1', 'u2', 'u1'],
      },
      DEFAULT_LIMITS,
    );
    expect(batches).toHaveLength(2);
    expect(batches.map((b) => b.assets.length)).toEqual([2, 2]);
    expect(pairs(batches)).toEqual({ count: 2 * 1502, distinct: 2 * 1502 });
  });

  it('makes no call when there is nothing to do', () => {
    expect(planAssetBatches({ assets: apps(3) }, DEFAULT_LIMITS)).toEqual([]);
    expect(planAssetBatches({ assets: [], serialNumbers: ['A'] }, DEFAULT_LIMITS)).toEqual([]);
  });

  it('follows smaller limits from service/config', () => {
    const limits = { ...DEFAULT_LIMITS, maxAssets: 2, maxSerialNumbers: 3 };
    const batches = planAssetBatches({ assets: apps(5), serialNumbers: serials(7) }, limits);
    expect(batches).toHaveLength(3 * 3);
    expect(batches.every((b) => b.assets.length <= 2 && (b.serialNumbers?.length ?? 0) <= 3)).toBe(true);
  });
});

describe('planRevokeBatches and planUserBatches', () => {
  it('revoking 1,000 users takes 10 calls of 100', () => {
    const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const batches = planRevokeBatches({ clientUserIds: users }, DEFAULT_LIMITS);
    expect(batches).toHaveLength(10);
    expect(new Set(batches.flatMap((b) => b.clientUserIds ?? [])).size).toBe(1000);
  });

  it('revokes serials and users together within both limits', () => {
    const batches = planRevokeBatches(
      { serialNumbers: serials(250), clientUserIds: ['a', 'b'] },
      DEFAULT_LIMITS,
    );
    expect(batches).toHaveLength(3);
    expect(batches.every((b) => (b.serialNumbers?.length ?? 0) <= 100)).toBe(true);
  });

  it('creates users 100 a call, each clientUserId once', () => {
    const users = Array.from({ length: 250 }, (_, i) => ({ clientUserId: `u${i % 240}` }));
    const batches = planUserBatches(users, DEFAULT_LIMITS);
    expect(batches.map((b) => b.length)).toEqual([80, 80, 80]);
  });
});
