/**
 * `SecretStore` on AWS Secrets Manager. Every name lives below the service's prefix (the only prefix its
 * IAM policy grants). Reads go through Powertools parameters' `SecretsProvider`, which caches each
 * value for `maxAgeSeconds` so a busy worker does not read the same token on every message; a put or
 * remove through this store makes the next read of that name fetch again at once.
 */

import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../application/ports/secret-store.ts';
import { Secret } from '../../domain/secret.ts';

export interface SecretsManagerSecretStoreOptions {
  /** E.g. `vpp-manager/prod/`; every secret name starts with it. */
  readonly prefix: string;
  /** How long a value read is used before it is read again. @default 60 */
  readonly maxAgeSeconds?: number;
  readonly recoveryWindowDays?: number;
}

export class SecretsManagerSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #provider: SecretsProvider;
  readonly #options: SecretsManagerSecretStoreOptions;
  /** Names written or removed through this store since they were last read: read again, not cached. */
  readonly #changed = new Set<string>();

  constructor(client: SecretsManagerClient, options: SecretsManagerSecretStoreOptions) {
    this.#client = client;
    this.#provider = new SecretsProvider({ awsSdkV3Client: client });
    this.#options = options;
  }

  #name(name: string): string {
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(name))
      throw new Error('Secret names may use letters, digits and /_+=.@- only.');
    return `${this.#options.prefix}${name}`;
  }

  async put(name: string, value: Secret): Promise<void> {
    const secretId = this.#name(name);
    this.#changed.add(secretId);
    try {
      await this.#client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value.reveal() }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.#client.send(
        new CreateSecretCommand({
          Name: secretId,
          SecretString: value.reveal(),
          Description: 'VPP Manager secret (content token or notification secret)',
          Tags: [{ Key: 'service', Value: 'vpp-manager' }],
        }),
      );
    }
  }

  async create(name: string, value: Secret): Promise<boolean> {
    const secretId = this.#name(name);
    this.#changed.add(secretId);
    try {
      await this.#client.send(
        new CreateSecretCommand({
          Name: secretId,
          SecretString: value.reveal(),
          Description: 'VPP Manager secret (redemption-code keys)',
          Tags: [{ Key: 'service', Value: 'vpp-manager' }],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ResourceExistsException) return false;
      throw error;
    }
  }

  async get(name: string): Promise<Secret | undefined> {
    const secretId = this.#name(name);
    try {
      const value = await this.#provider.get(secretId, {
        maxAge: this.#options.maxAgeSeconds ?? 60,
        forceFetch: this.#changed.has(secretId),
        throwOnMissing: true,
      });
      // The value read replaced the cached one: the cache may answer again.
      this.#changed.delete(secretId);
      return typeof value === 'string' ? new Secret(value) : undefined;
    } catch (error) {
      // A missing secret is never cached (and a removed one stays changed, so its old value never comes back).
      if (error instanceof ParameterNotFoundError) return undefined;
      // The provider wraps the SDK's errors; the cause is what Secrets Manager said.
      if (error instanceof Error && error.cause instanceof Error) throw error.cause;
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    const secretId = this.#name(name);
    this.#changed.add(secretId);
    try {
      await this.#client.send(
        new DeleteSecretCommand({
          SecretId: secretId,
          RecoveryWindowInDays: this.#options.recoveryWindowDays ?? 7,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
