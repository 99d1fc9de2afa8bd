/**
 * Every secret value this process holds (content tokens, notification secrets, invitation tokens),
 * so that the one redaction step in the logging path can mask them wherever they turn up: in an
 * error's message, its stack, a nested `cause`, a third party's text. A `Secret` registers its value
 * when it is made; a secret that arrives as plain text registers through `rememberSecret`.
 *
 * It is process-wide on purpose, the one exception to "no module-level singletons in the core": the
 * logger must know a secret made anywhere without every call site handing it over, and that is the
 * guarantee. It is bounded so memory cannot grow without limit in a long-lived container: the most
 * recent 5,000 values and 250,000 characters at most (about 20 MB of piece index in the worst case,
 * a few kilobytes in practice); the oldest value is forgotten first. A value forgotten here is still
 * masked by the shape rules (bearer, JWT, base64 JSON) of the redaction itself.
 */

/** A piece this long of a secret is masked too, so a truncated or split secret does not slip out. */
export const SECRET_PIECE_LENGTH = 20;

/**
 * Values shorter than this are not registered: they are too short to tell from ordinary text, and no
 * secret the service makes is that short (random tokens have at least 22 characters).
 */
const MIN_SECRET_LENGTH = 8;

/** No credential is this long; a value that is would crowd every other secret out of the bound. */
const MAX_SECRET_LENGTH = 65_536;

export interface SecretRegistryLimits {
  readonly maxSecrets: number;
  readonly maxCharacters: number;
}

const DEFAULT_REGISTRY_LIMITS: SecretRegistryLimits = { maxSecrets: 5_000, maxCharacters: 250_000 };

/** The distinct pieces of `SECRET_PIECE_LENGTH` characters of a value, one per starting position. */
function piecesOf(value: string): Set<string> {
  const pieces = new Set<string>();
  for (let at = 0; at + SECRET_PIECE_LENGTH <= value.length; at++) {
    pieces.add(value.slice(at, at + SECRET_PIECE_LENGTH));
  }
  return pieces;
}

export class SecretRegistry {
  readonly #limits: SecretRegistryLimits;
  /** Insertion order is recency: the first value is the one to forget first. */
  readonly #values = new Set<string>();
  /** Every piece of every registered value, with how many registered values have it. */
  readonly #pieces = new Map<string, number>();
  /** Values shorter than a piece: they can only be found whole. */
  readonly #short = new Set<string>();
  #characters = 0;

  constructor(limits: Partial<SecretRegistryLimits> = {}) {
    this.#limits = { ...DEFAULT_REGISTRY_LIMITS, ...limits };
  }

  register(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || value.length > MAX_SECRET_LENGTH) return;
    if (this.#values.has(value)) {
      // Seen again: it is in use, so it moves to the back of the queue to forget.
      this.#values.delete(value);
      this.#values.add(value);
      return;
    }
    this.#values.add(value);
    this.#characters += value.length;
    if (value.length < SECRET_PIECE_LENGTH) this.#short.add(value);
    for (const piece of piecesOf(value)) this.#pieces.set(piece, (this.#pieces.get(piece) ?? 0) + 1);
    while (this.#values.size > this.#limits.maxSecrets || this.#characters > this.#limits.maxCharacters) {
      const oldest = this.#values.values().next().value;
      if (oldest === undefined || oldest === value) break;
      this.#forget(oldest);
    }
  }

  /** How many values are registered. */
  get size(): number {
    return this.#values.size;
  }

  /** Whether `piece` (of exactly `SECRET_PIECE_LENGTH` characters) is part of a registered value. */
  hasPiece(piece: string): boolean {
    return this.#pieces.has(piece);
  }

  /** Whether any value long enough to have pieces is registered (nothing to scan for otherwise). */
  get hasPieces(): boolean {
    return this.#pieces.size > 0;
  }

  /** The registered values too short to have a piece, to be masked whole. */
  shortValues(): ReadonlySet<string> {
    return this.#short;
  }

  #forget(value: string): void {
    this.#values.delete(value);
    this.#short.delete(value);
    this.#characters -= value.length;
    for (const piece of piecesOf(value)) {
      const left = (this.#pieces.get(piece) ?? 1) - 1;
      if (left > 0) this.#pieces.set(piece, left);
      else this.#pieces.delete(piece);
    }
  }
}

/**
 * The process's registry, kept on `globalThis` so that two copies of this module (a test runner's
 * module graph beside a handler's, or two bundles in one process) still share one.
 */
const GLOBAL_KEY = Symbol.for('vpp-manager.secret-registry');
const holder = globalThis as { [GLOBAL_KEY]?: SecretRegistry };
export const knownSecrets: SecretRegistry = holder[GLOBAL_KEY] ?? new SecretRegistry();
holder[GLOBAL_KEY] = knownSecrets;

/** Registers a secret that arrives as plain text (an invitation token from a link, a header value). */
export function rememberSecret(value: string): void {
  knownSecrets.register(value);
}
