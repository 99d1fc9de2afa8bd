/**
 * The keys a full pass of the sync saw at Apple, held compactly so that removals are found without
 * holding Apple's list (issue 16): each key is kept as a 64-bit hash (the first 8 bytes of its
 * SHA-256), in a sorted `BigUint64Array` searched by bisection.
 * - Measured at 1,000,000 keys (node --expose-gc, heap plus array buffers): 8.1 MB sorted, against
 *   45 MB for a `Set<bigint>` of the same hashes; building either costs about the same (the hashing).
 * - A collision (about n²/2⁶⁵: 3·10⁻⁸ at 1.2 million keys) can only make a key Apple dropped look
 *   present, so a removal is found one full pass later; nothing is ever marked gone wrongly.
 * - A sync that continues in a new invocation rebuilds it from its checkpoints, each of which carries
 *   the hashes of its page (`addHashes`).
 */
import { createHash } from 'node:crypto';

/** A key's 64-bit hash: the first 8 bytes of its SHA-256. */
export const keyHash = (key: string): bigint => createHash('sha256').update(key).digest().readBigUInt64BE(0);

/** A sealed set of key hashes: sorted, without duplicates. */
export class KeySet {
  readonly #hashes: BigUint64Array;

  private constructor(hashes: BigUint64Array) {
    this.#hashes = hashes;
  }

  /** Sorts and deduplicates `hashes` (taken over, not copied). */
  static of(hashes: BigUint64Array): KeySet {
    hashes.sort();
    let kept = 0;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i] as bigint;
      if (kept === 0 || hashes[kept - 1] !== h) hashes[kept++] = h;
    }
    return new KeySet(hashes.subarray(0, kept));
  }

  get size(): number {
    return this.#hashes.length;
  }

  has(key: string): boolean {
    return this.hasHash(keyHash(key));
  }

  hasHash(hash: bigint): boolean {
    let low = 0;
    let high = this.#hashes.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const h = this.#hashes[mid] as bigint;
      if (h === hash) return true;
      if (h < hash) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }
}

/** Collects key hashes page by page (growing by doubling), then seals them into a `KeySet`. */
export class KeySetBuilder {
  #hashes = new BigUint64Array(1024);
  #length = 0;

  add(key: string): void {
    this.#push(keyHash(key));
  }

  addHashes(hashes: BigUint64Array): void {
    for (const h of hashes) this.#push(h);
  }

  #push(hash: bigint): void {
    if (this.#length === this.#hashes.length) {
      const grown = new BigUint64Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[this.#length++] = hash;
  }

  seal(): KeySet {
    return KeySet.of(this.#hashes.slice(0, this.#length));
  }
}
