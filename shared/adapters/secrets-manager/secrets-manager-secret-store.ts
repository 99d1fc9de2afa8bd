/**
 * `SecretStore` on AWS Secrets Manager. Every name lives below the service's prefix (the only prefix its
 * IAM policy grants). Values are cached briefly so a busy worker does not read the same token on
 * every message; a put or remove through this store drops the cached value at once.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../application/ports/secret-store.ts';
import { Secret } from '../../domain/secret.ts';

export interface SecretsManagerSecretStoreOptions {
  /** E.g. `vpp-manager/prod/`; every secret name starts with it. */
  readonly prefix: string;
  readonly cacheTtlMs?: number;
  readonly recoveryWindowDays?: number;
  readonly now?: () => number;
}

export class SecretsManagerSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #options: SecretsManagerSecretStoreOptions;
  readonly #cache = new Map<string, { value: Secret | undefined; expiresAt: number }>();

  constructor(client: SecretsManagerClient, options: SecretsManagerSecretStoreOptions) {
    this.#client = client;
    this.#options = options;
  }

  #name(name: string): string {
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(name))
      throw new Error('Secret names may use letters, digits and /_+=.@- only.');
    return `${this.#options.prefix}${name}`;
  }

  async put(name: string, value: Secret): Promise<void> {
    const secretId = this.#name(name);
    this.#cache.delete(secretId);
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

  async get(name: string): Promise<Secret | undefined> {
    const secretId = this.#name(name);
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(secretId);
    if (cached && cached.expiresAt > now) return cached.value;
    let value: Secret | undefined;
    try {
      const answer = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value = answer.SecretString === undefined ? undefined : new Secret(answer.SecretString);
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      value = undefined;
    }
    this.#cache.set(secretId, { value, expiresAt: now + (this.#options.cacheTtlMs ?? 60_000) });
    return value;
  }

  async remove(name: string): Promise<void> {
    const secretId = this.#name(name);
    this.#cache.delete(secretId);
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
