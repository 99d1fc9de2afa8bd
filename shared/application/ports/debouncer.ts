/** At most one pending run per key within a window: the first caller wins, later ones find it taken. */
export interface Debouncer {
  /** True when this caller took the key (nobody held it, or the last hold expired). */
  take(key: string, windowSeconds: number): Promise<boolean>;
  release(key: string): Promise<void>;
}
