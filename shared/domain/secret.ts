/**
 * A value that must never reach a log, an answer or an error message (content tokens, notification
 * secrets, invitation tokens). Printing, JSON-encoding or inspecting it shows `[redacted]`; only
 * `reveal()` gives the value, at the one place that has to send it. Every value is also registered
 * with the process's `knownSecrets`, so the logger masks it even in text it was copied into.
 */
import { knownSecrets } from './secret-registry.ts';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    knownSecrets.register(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}
