/** The current time. Tests and the local runtime move it; nothing in the core calls `new Date()`. */
export interface Clock {
  now(): Date;
}

/** Fresh identifiers (UUIDs) and random secrets. */
export interface IdGenerator {
  newId(): string;
  /** A URL-safe random string of `bytes` random bytes (at least 16 = 128 bits). */
  randomToken(bytes?: number): string;
}
