/**
 * The sync's compact set of the keys Apple returned in a full pass (key-set.ts): every key added is
 * found, keys never added are not, duplicates count once, and a set saved in a checkpoint reads back
 * the same and is continued by a fresh builder.
 */
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_KEYS,
  KeySet,
  KeySetBuilder,
  keyHash,
} from '../../../../shared/application/sync/key-set.ts';

const keys = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `361309726|STDQ|device|SER${from + i}`);

const built = (...lists: string[][]) => {
  const builder = new KeySetBuilder();
  for (const list of lists) for (const k of list) builder.add(k);
  return builder.seal();
};

describe('KeySet', () => {
  it('finds every key added, past the builder growing, and none never added', () => {
    const set = built(keys(0, 5_000));
    expect(set.size).toBe(5_000);
    expect(keys(0, 5_000).every((k) => set.has(k))).toBe(true);
    expect(keys(5_000, 10_000).some((k) => set.has(k))).toBe(false);
  });

  it('counts a key Apple listed twice (a page read again) once', () => {
    const set = built(keys(0, 100), keys(50, 150));
    expect(set.size).toBe(150);
  });

  it('reads back from a checkpoint the same, and a continuation adds to it', () => {
    const first = built(keys(0, 300));
    const saved = KeySet.fromBytes(first.toBytes());
    expect(saved.size).toBe(300);
    const continued = KeySetBuilder.from(saved);
    for (const k of keys(300, 600)) continued.add(k);
    const whole = continued.seal();
    expect(whole.size).toBe(600);
    expect(keys(0, 600).every((k) => whole.has(k))).toBe(true);
    expect(whole.has('361309726|STDQ|device|SER600')).toBe(false);
  });

  it('says whether it fits a checkpoint', () => {
    expect(built(keys(0, 10)).fitsCheckpoint).toBe(true);
    const large = new KeySetBuilder();
    for (let i = 0; i <= CHECKPOINT_KEYS; i++) large.addHashes(new BigUint64Array([BigInt(i)]));
    expect(large.seal().fitsCheckpoint).toBe(false);
  });

  it('hashes a key to the first 8 bytes of its SHA-256', () => {
    // sha256("abc") = ba7816bf8f01cfea…
    expect(keyHash('abc')).toBe(0xba7816bf8f01cfean);
  });
});
