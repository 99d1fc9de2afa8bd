/**
 * Where a host name points: every address it resolves to (DNS in AWS, the same lookup locally). The
 * webhook URL rules check each of them; tests give names their addresses through a fake, so no test
 * looks a name up or connects anywhere.
 */
export interface HostResolver {
  /**
   * The IPv4 and IPv6 addresses of `hostname` (never empty). Throws when the name does not resolve
   * (no such name, no answer, a resolver failure): the caller treats that as a refused URL.
   */
  addressesOf(hostname: string): Promise<string[]>;
}
