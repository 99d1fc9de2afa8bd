/** `HostResolver` with the operating system's resolver (`getaddrinfo`, as a connection would use). */
import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../../application/ports/host-resolver.ts';

export const dnsHostResolver: HostResolver = {
  async addressesOf(hostname) {
    const found = await lookup(hostname, { all: true, verbatim: true });
    if (found.length === 0) throw new Error(`${hostname} has no address`);
    return found.map((entry) => entry.address);
  },
};
