/**
 * The sync's compact set of the keys Apple returned in a full pass (key-set.ts): every key added is
 * found, keys never added are not, duplicates count once, and hashes carried by checkpoints rebuild
 * the same set.
 */
import { describe, expect, it } from 'vitest';
import { KeySetBuilder, keyHash } from '../../../../shared/application/sync/key-set.ts';

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

  it('is rebuilt from the hashes of its pages, as a continuation does from its checkpoints', () => {
    const pages = [keys(0, 300), keys(300, 600)].map((page) => BigUint64Array.from(page.map(keyHash)));
    const continued = new KeySetBuilder();
    for (const page of pages) continued.addHashes(page);
    const whole = continued.seal();
    expect(whole.size).toBe(600);
    expect(keys(0, 600).every((k) => whole.has(k))).toBe(true);
    expect(whole.has('361309726|STDQ|device|SER600')).toBe(false);
  });

  it('hashes a key to the first 8 bytes of its SHA-256', () => {
    // sha256("abc") = ba7816bf8f01cfea…
    expect(keyHash('abc')).toBe(0xba7816bf8f01cfean);
  });
});
