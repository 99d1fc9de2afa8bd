/**
 * Where content tokens and notification secrets live (Secrets Manager in AWS, under the service's own
 * name prefix; a Secrets Manager stand-in locally). Never a table, an environment variable or a log.
 */
import type { Secret } from '../../domain/secret.ts';

export interface SecretStore {
  /** Creates or replaces the secret `name` (a path below the service's prefix, e.g. `accounts/<id>/token`). */
  put(name: string, value: Secret): Promise<void>;
  get(name: string): Promise<Secret | undefined>;
  /** Schedules deletion (Secrets Manager keeps it for a recovery window). */
  remove(name: string): Promise<void>;
}
