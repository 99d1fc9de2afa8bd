/**
 * Where content tokens and notification secrets live (Secrets Manager in AWS, under the service's own
 * name prefix; a Secrets Manager stand-in locally). Never a table, an environment variable or a log.
 */
import type { Secret } from '../../domain/secret.ts';

export interface SecretStore {
  /** Creates or replaces the secret `name` (a path below the service's prefix, e.g. `accounts/<id>/token`). */
  put(name: string, value: Secret): Promise<void>;
  /**
   * Creates the secret `name` only if there is none: false (and nothing written) when it exists. For a
   * key several requests may make at once (the redemption-code keys): the first one wins, every other
   * reads it.
   */
  create(name: string, value: Secret): Promise<boolean>;
  get(name: string): Promise<Secret | undefined>;
  /** Schedules deletion (Secrets Manager keeps it for a recovery window). */
  remove(name: string): Promise<void>;
}
