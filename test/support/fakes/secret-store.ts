/** Secrets in a Map, with the name rule of the Secrets Manager store. */
import type { SecretStore } from '../../../shared/application/ports/secret-store.ts';
import type { Secret } from '../../../shared/domain/secret.ts';

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, Secret>();
  /** Names removed (Secrets Manager schedules their deletion). */
  readonly removed: string[] = [];

  #check(name: string): string {
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(name))
      throw new Error('Secret names may use letters, digits and /_+=.@- only.');
    return name;
  }

  async put(name: string, value: Secret): Promise<void> {
    this.values.set(this.#check(name), value);
  }

  async create(name: string, value: Secret): Promise<boolean> {
    if (this.values.has(this.#check(name))) return false;
    this.values.set(name, value);
    return true;
  }

  async get(name: string): Promise<Secret | undefined> {
    return this.values.get(this.#check(name));
  }

  async remove(name: string): Promise<void> {
    this.values.delete(this.#check(name));
    this.removed.push(name);
  }
}
