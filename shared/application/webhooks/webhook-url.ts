/**
 * The one home of the webhook URL rules (issue 18 point 4), checked when a subscription is made or its
 * URL changed (and, once deliveries exist, before each delivery, on the address it connects to):
 * 1. An absolute `https` URL (local mode, `allowLoopbackWebhooks`: `http` too, to this machine only),
 *    with no user name or password in it.
 * 2. Not a cloud metadata host name (`metadata.google.internal`, anything under `.internal`, ...).
 * 3. Every address the host resolves to (an address literal is its own) is public: IPv4 unicast
 *    outside every special range (private, loopback, link-local, CGNAT, multicast, broadcast,
 *    unspecified, reserved, benchmarking, ...), IPv6 global unicast (2000::/3) outside every special
 *    range (unique-local, link-local, 6to4, Teredo, NAT64, documentation, ...); an IPv4-mapped IPv6
 *    address is judged as the IPv4 address it holds; no cloud metadata address. One refused address
 *    refuses the URL, so a name that resolves to a public and a private address is refused.
 *    Local mode also accepts loopback addresses, and only them over `http`.
 * 4. A name that does not resolve is refused too (422, never a 5xx).
 * Error: webhook.url_not_allowed (422), its `details.reason` saying which rule.
 * Address classification is ipaddr.js's (its special-range tables), not parsing of our own.
 */
import ipaddr from 'ipaddr.js';
import { RuleViolationError } from '../../domain/errors.ts';
import type { HostResolver } from '../ports/host-resolver.ts';
import type { ServiceSettings } from '../ports/settings.ts';

export const URL_NOT_ALLOWED = 'webhook.url_not_allowed';

/** Host names of cloud metadata services (compared in lower case, without a trailing dot). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);

/**
 * Metadata addresses that ipaddr.js's ranges do not already refuse: Azure's wireserver is an address
 * of public space (the others: 169.254.169.254 and fd00:ec2::254 are link-local and unique-local,
 * Alibaba's 100.100.100.200 is CGNAT, Oracle's 192.0.0.192 reserved; all refused by range).
 */
const METADATA_ADDRESSES = new Set(['168.63.129.16']);

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

export type AddressVerdict =
  | { readonly allowed: true; readonly loopback: boolean }
  | { readonly allowed: false; readonly reason: string };

/** Whether a webhook may be delivered to `address` (an IPv4 or IPv6 literal, without brackets). */
export function judgeAddress(address: string, allowLoopback: boolean): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, reason: `${address} is not an IP address` };
  // `process` turns an IPv4-mapped IPv6 address into the IPv4 address it holds.
  const parsed = ipaddr.process(address);
  const shown = parsed.toString();
  if (METADATA_ADDRESSES.has(shown))
    return { allowed: false, reason: `${shown} is a cloud metadata address` };
  const range = parsed.range();
  if (range === 'loopback' && allowLoopback) return { allowed: true, loopback: true };
  if (range !== 'unicast') return { allowed: false, reason: `${shown} is ${describe(range)} address` };
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6))
    return { allowed: false, reason: `${shown} is outside IPv6 global unicast (2000::/3)` };
  return { allowed: true, loopback: false };
}

const RANGE_NAMES: Record<string, string> = {
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (shared)',
  uniqueLocal: 'unique-local',
  ipv4Mapped: 'IPv4-mapped',
  rfc6052: 'NAT64 (RFC 6052)',
  rfc6145: 'IPv4-translated (RFC 6145)',
  deprecatedSiteLocal: 'site-local',
};
/** The range's name with its article: `a private`, `an unspecified`. */
const describe = (range: string) => {
  const name = RANGE_NAMES[range] ?? range;
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
};

const refuse = (reason: string): never => {
  throw new RuleViolationError(URL_NOT_ALLOWED, `This webhook URL is not allowed: ${reason}.`, { reason });
};

type UrlDeps = { hosts: HostResolver; settings: Pick<ServiceSettings, 'allowLoopbackWebhooks'> };

/** Where a delivery goes: the URL, and the checked addresses of its host to connect to (never looked up again). */
export interface WebhookTarget {
  readonly url: string;
  readonly addresses: readonly string[];
}

/**
 * Checks `raw` against every rule and answers the URL as it is to be stored (normalised by the URL
 * parser: `https://Example.COM` becomes `https://example.com/`). Throws webhook.url_not_allowed.
 */
export async function checkWebhookUrl(deps: UrlDeps, raw: string): Promise<string> {
  return (await resolveWebhookTarget(deps, raw)).url;
}

/**
 * The rules of `checkWebhookUrl`, answering the addresses they checked too: a delivery connects to one
 * of those, so a name that resolves elsewhere a moment later (DNS rebinding) changes nothing.
 */
export async function resolveWebhookTarget(deps: UrlDeps, raw: string): Promise<WebhookTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('it is not an absolute URL');
  }
  const allowLoopback = deps.settings.allowLoopbackWebhooks;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback))
    refuse(allowLoopback ? 'only https, or http to this machine' : 'only https URLs are allowed');
  if (url.username !== '' || url.password !== '') refuse('a user name or password in the URL');

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const name = host.toLowerCase().replace(/\.+$/, '');
  if (name === '') refuse('no host');
  if (METADATA_HOSTS.has(name) || name.endsWith('.internal')) refuse(`${name} is a cloud metadata host`);

  const literal = ipaddr.isValid(host);
  let addresses: string[];
  if (literal) addresses = [host];
  else {
    try {
      addresses = await deps.hosts.addressesOf(name);
    } catch {
      return refuse(`${name} does not resolve`);
    }
    if (addresses.length === 0) refuse(`${name} does not resolve`);
  }
  for (const address of addresses) {
    const verdict = judgeAddress(address, allowLoopback);
    if (!verdict.allowed) refuse(literal ? verdict.reason : `${name} resolves to ${verdict.reason}`);
    else if (url.protocol === 'http:' && !verdict.loopback)
      refuse('http is allowed to this machine only, use https');
  }
  return { url: url.href, addresses };
}
