/**
 * The operating system's resolver behind `HostResolver`: only names this machine answers itself
 * (`localhost`, address literals), so nothing is looked up on a network.
 */
import { describe, expect, it } from 'vitest';
import { dnsHostResolver } from '../../../shared/adapters/system/dns-host-resolver.ts';

describe('dnsHostResolver', () => {
  it('gives every address of a name, loopback for localhost', async () => {
    const addresses = await dnsHostResolver.addressesOf('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(['127.0.0.1', '::1']).toContain(address);
  });

  it('gives an address literal back as it is', async () => {
    expect(await dnsHostResolver.addressesOf('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(await dnsHostResolver.addressesOf('::1')).toEqual(['::1']);
  });
});
