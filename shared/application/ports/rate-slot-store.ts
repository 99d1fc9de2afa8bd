/**
 * Where each content token's next free Apple request slot is kept, shared by every function and
 * process that calls Apple (SPEC §5.4): a limiter reads the slot and moves it on by compare-and-swap,
 * so two processes never take the same slot.
 */
export interface RateSlotStore {
  /** The token's next free slot (epoch milliseconds), or undefined when none is kept. */
  read(key: string): Promise<number | undefined>;
  /**
   * Moves the slot to `next` only if it is still `expected` (undefined: no slot kept yet). When
   * another caller moved it first, says where it is now, so the caller can try again at once.
   */
  swap(key: string, expected: number | undefined, next: number): Promise<SwapResult>;
}

export type SwapResult =
  | { readonly swapped: true }
  | { readonly swapped: false; readonly current: number | undefined };
