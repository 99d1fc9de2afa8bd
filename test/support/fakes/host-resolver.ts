/** Host names with the addresses a test gives them; any other name does not resolve (ENOTFOUND). */
import type { HostResolver } from '../../../shared/application/ports/host-resolver.ts';

export class FakeHostResolver implements HostResolver {
  readonly #hosts = new Map<string, string[] | Error>();
  /** Every name looked up, in order. */
  readonly lookups: string[] = [];

  constructor(hosts: Record<string, string[]> = {}) {
    for (const [name, addresses] of Object.entries(hosts)) this.#hosts.set(name, addresses);
  }

  /** `name` resolves to `addresses` (or fails with `error`). */
  set(name: string, addresses: string[] | Error): void {
    this.#hosts.set(name, addresses);
  }

  async addressesOf(hostname: string): Promise<string[]> {
    this.lookups.push(hostname);
    const found = this.#hosts.get(hostname);
    if (found instanceof Error) throw found;
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [...found];
  }
}
