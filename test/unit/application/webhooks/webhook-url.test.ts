/**
 * The webhook URL rules (webhook-url.ts, issue 18 point 4), through the resolver seam: no name is
 * looked up for real and nothing connects. Addresses by class, IPv4-mapped IPv6, odd IPv4 spellings,
 * names that resolve to mixed addresses, a resolver that fails (422, never a 5xx), local mode.
 */
import { describe, expect, it } from 'vitest';
import {
  checkWebhookUrl,
  judgeAddress,
  URL_NOT_ALLOWED,
} from '../../../../shared/application/webhooks/webhook-url.ts';
import { RuleViolationError } from '../../../../shared/domain/errors.ts';
import { FakeHostResolver } from '../../../support/fakes/index.ts';

const aws = (hosts = new FakeHostResolver()) => ({ hosts, settings: { allowLoopbackWebhooks: false } });
const local = (hosts = new FakeHostResolver()) => ({ hosts, settings: { allowLoopbackWebhooks: true } });

/** The reason a URL is refused with (fails the test when it is accepted or fails otherwise). */
async function refusal(deps: ReturnType<typeof aws>, url: string): Promise<string> {
  try {
    await checkWebhookUrl(deps, url);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleViolationError);
    const e = error as RuleViolationError;
    expect(e.code).toBe(URL_NOT_ALLOWED);
    expect(e.kind).toBe('rule');
    return String(e.details?.reason);
  }
  throw new Error(`${url} was accepted`);
}

describe('the addresses a webhook may go to', () => {
  const REFUSED: [string, RegExp][] = [
    ['10.0.0.1', /private/],
    ['10.255.255.255', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.254', /private/],
    ['192.168.1.10', /private/],
    ['127.0.0.1', /loopback/],
    ['127.255.0.1', /loopback/],
    ['169.254.0.1', /link-local/],
    ['169.254.169.254', /link-local/],
    ['169.254.170.2', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.100.100.200', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['192.0.0.192', /reserved/],
    ['192.0.2.1', /reserved/],
    ['198.18.0.1', /reserved/],
    ['168.63.129.16', /metadata/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fc00::1', /unique-local/],
    ['fd12:3456::1', /unique-local/],
    ['fd00:ec2::254', /unique-local/],
    ['ff02::1', /multicast/],
    ['fec0::1', /site-local/],
    ['2001:db8::1', /reserved/],
    ['64:ff9b::a00:1', /NAT64/],
    ['2002:a00:1::1', /6to4/],
    ['2001:0:4136:e378::1', /teredo/],
    ['::7f00:1', /global unicast/],
    ['100::1', /discard/],
    // IPv4-mapped IPv6: judged as the IPv4 address inside.
    ['::ffff:127.0.0.1', /127\.0\.0\.1 is a loopback/],
    ['::ffff:10.0.0.1', /10\.0\.0\.1 is a private/],
    ['::ffff:169.254.169.254', /169\.254\.169\.254 is a link-local/],
    ['::ffff:a9fe:a9fe', /169\.254\.169\.254 is a link-local/],
    ['0:0:0:0:0:ffff:c0a8:0101', /192\.168\.1\.1 is a private/],
    ['not-an-address', /not an IP address/],
  ];
  it.each(REFUSED)('refuses %s', (address, reason) => {
    const verdict = judgeAddress(address, false);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '52.94.236.248',
    '2606:4700:4700::1111',
    '2a00:1450:4007:80f::200e',
    '::ffff:8.8.8.8',
  ])('accepts the public address %s', (address) => {
    expect(judgeAddress(address, false)).toEqual({ allowed: true, loopback: false });
  });

  it('accepts loopback, and nothing else private, when loopback is allowed (local mode)', () => {
    expect(judgeAddress('127.0.0.1', true)).toEqual({ allowed: true, loopback: true });
    expect(judgeAddress('::1', true)).toEqual({ allowed: true, loopback: true });
    expect(judgeAddress('::ffff:127.0.0.1', true)).toEqual({ allowed: true, loopback: true });
    for (const address of ['10.0.0.1', '169.254.169.254', 'fd00:ec2::254', '0.0.0.0'])
      expect(judgeAddress(address, true).allowed).toBe(false);
  });
});

describe('the URL rules', () => {
  it('accepts an https URL whose host resolves to public addresses only, normalised', async () => {
    // Prepare
    const hosts = new FakeHostResolver({ 'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07::1'] });

    // Act
    const url = await checkWebhookUrl(aws(hosts), 'https://Hooks.Example.COM:8443/vpp?x=1');

    // Assess
    expect(url).toBe('https://hooks.example.com:8443/vpp?x=1');
    expect(hosts.lookups).toEqual(['hooks.example.com']);
  });

  it('accepts a public address literal without looking anything up', async () => {
    const hosts = new FakeHostResolver();
    expect(await checkWebhookUrl(aws(hosts), 'https://8.8.8.8/hook')).toBe('https://8.8.8.8/hook');
    expect(await checkWebhookUrl(aws(hosts), 'https://[2606:4700::1111]/hook')).toBe(
      'https://[2606:4700::1111]/hook',
    );
    expect(hosts.lookups).toEqual([]);
  });

  it.each([
    ['http://hooks.example.com/', /only https/],
    ['ftp://hooks.example.com/', /only https/],
    ['javascript:alert(1)', /only https/],
    ['file:///etc/passwd', /only https/],
    ['hooks.example.com/path', /not an absolute URL/],
    ['', /not an absolute URL/],
    ['https://user:pass@hooks.example.com/', /user name or password/],
    ['https://user@hooks.example.com/', /user name or password/],
    ['https://:pass@hooks.example.com/', /user name or password/],
  ])('refuses %s', async (url, reason) => {
    const hosts = new FakeHostResolver({ 'hooks.example.com': ['93.184.215.14'] });
    expect(await refusal(aws(hosts), url)).toMatch(reason);
  });

  it.each([
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://METADATA.GOOGLE.INTERNAL./',
    'https://metadata/',
    'https://metadata.goog/',
    'https://instance-data/latest/meta-data/',
    'https://ip-10-0-0-1.eu-west-1.compute.internal/',
  ])('refuses the cloud metadata host of %s before any lookup', async (url) => {
    const hosts = new FakeHostResolver({ 'metadata.google.internal': ['8.8.8.8'], metadata: ['8.8.8.8'] });
    expect(await refusal(aws(hosts), url)).toMatch(/cloud metadata host/);
    expect(hosts.lookups).toEqual([]);
  });

  it.each([
    ['https://127.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['https://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://[fd00:ec2::254]/latest/meta-data/', /unique-local/],
    ['https://[::ffff:127.0.0.1]/', /127\.0\.0\.1 is a loopback/],
    ['https://[::ffff:a9fe:a9fe]/', /169\.254\.169\.254 is a link-local/],
    ['https://[::1]/', /loopback/],
    // Spellings of an IPv4 address the URL parser turns into the dotted form first.
    ['https://2130706433/', /127\.0\.0\.1 is a loopback/],
    ['https://0x7f.1/', /127\.0\.0\.1 is a loopback/],
    ['https://017700000001/', /127\.0\.0\.1 is a loopback/],
    ['https://10.1/', /10\.0\.0\.1 is a private/],
    ['https://0/', /0\.0\.0\.0 is an unspecified/],
  ])('refuses the address literal of %s', async (url, reason) => {
    expect(await refusal(aws(), url)).toMatch(reason);
  });

  it('refuses a name that resolves to a private address, naming the name and the address', async () => {
    const hosts = new FakeHostResolver({ 'intranet.example.com': ['10.1.2.3'] });
    expect(await refusal(aws(hosts), 'https://intranet.example.com/')).toBe(
      'intranet.example.com resolves to 10.1.2.3 is a private address',
    );
  });

  it.each([
    [['93.184.215.14', '10.0.0.1']],
    [['10.0.0.1', '93.184.215.14']],
    [['2606:2800:21f:cb07::1', '::1']],
    [['93.184.215.14', '::ffff:169.254.169.254']],
    [['93.184.215.14', 'fd00:ec2::254']],
  ])('refuses a name that resolves to public and refused addresses %j', async (addresses) => {
    const hosts = new FakeHostResolver({ 'mixed.example.com': addresses });
    expect(await refusal(aws(hosts), 'https://mixed.example.com/hook')).toMatch(
      /^mixed\.example\.com resolves to/,
    );
  });

  it('refuses a name that resolves to localhost (the rebinding-style name)', async () => {
    const hosts = new FakeHostResolver({ 'localtest.me': ['127.0.0.1'], localhost: ['127.0.0.1', '::1'] });
    expect(await refusal(aws(hosts), 'https://localtest.me/')).toMatch(/loopback/);
    expect(await refusal(aws(hosts), 'https://localhost/')).toMatch(/loopback/);
  });

  it('refuses a name that does not resolve, that resolves to nothing, or whose lookup fails (422, not 5xx)', async () => {
    const hosts = new FakeHostResolver({ 'empty.example.com': [] });
    hosts.set('broken.example.com', Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' }));
    expect(await refusal(aws(hosts), 'https://nowhere.example.com/')).toBe(
      'nowhere.example.com does not resolve',
    );
    expect(await refusal(aws(hosts), 'https://empty.example.com/')).toBe(
      'empty.example.com does not resolve',
    );
    expect(await refusal(aws(hosts), 'https://broken.example.com/')).toBe(
      'broken.example.com does not resolve',
    );
  });

  describe('in local mode (allowLoopbackWebhooks)', () => {
    it('accepts http and https to this machine', async () => {
      const hosts = new FakeHostResolver({ localhost: ['127.0.0.1', '::1'] });
      expect(await checkWebhookUrl(local(hosts), 'http://127.0.0.1:8080/hook')).toBe(
        'http://127.0.0.1:8080/hook',
      );
      expect(await checkWebhookUrl(local(hosts), 'http://localhost:8080/hook')).toBe(
        'http://localhost:8080/hook',
      );
      expect(await checkWebhookUrl(local(hosts), 'http://[::1]:8080/hook')).toBe('http://[::1]:8080/hook');
      expect(await checkWebhookUrl(local(hosts), 'https://localhost/hook')).toBe('https://localhost/hook');
    });

    it('still refuses http elsewhere, private addresses and metadata', async () => {
      const hosts = new FakeHostResolver({ 'hooks.example.com': ['93.184.215.14'], lan: ['192.168.0.2'] });
      expect(await refusal(local(hosts), 'http://hooks.example.com/')).toMatch(/this machine only/);
      expect(await refusal(local(hosts), 'http://lan/')).toMatch(/private/);
      expect(await refusal(local(hosts), 'http://169.254.169.254/')).toMatch(/link-local/);
      expect(await refusal(local(hosts), 'http://metadata.google.internal/')).toMatch(/metadata/);
      expect(await refusal(local(hosts), 'ftp://127.0.0.1/')).toMatch(/only https, or http/);
    });
  });
});
