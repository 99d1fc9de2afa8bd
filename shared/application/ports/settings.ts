/** Settings the use cases need from configuration (read once at start by the composition root). */
export interface ServiceSettings {
  readonly stage: string;
  /** Where the service is reached from outside: invitation links and Apple's notification URL. */
  readonly publicBaseUrl: string;
  readonly claims: {
    readonly sub: string;
    readonly email: string;
    readonly org: string;
    readonly role: string;
  };
  /** Apple's event cadence (SPEC §5.4): first status poll after this many seconds, then every interval. */
  readonly eventFirstPollSeconds: number;
  readonly eventPollIntervalSeconds: number;
  /** Apple's App and Book Management API base URL (`VPP_BASE_URL`): where Apple is, for `appleCanNotify`. */
  readonly vppBaseUrl: string;
  /** Local mode only: an Apple stand-in on this machine may call an http:// notification URL on it. */
  readonly allowHttpNotifications: boolean;
  /** Local mode only: webhook URLs may point at this machine (loopback addresses), over http too. */
  readonly allowLoopbackWebhooks: boolean;
  /** Changes start a reconciliation this long after the first one (SPEC §5.7, debounced). */
  readonly reconcileDebounceSeconds: number;
  /**
   * A removed account's purge looks again this long after a pass that deleted something: a function
   * that read the account before its removal may still write (AWS: 900 s, longer than any function runs).
   */
  readonly purgeRecheckSeconds: number;
  /** Seconds before each retry of a webhook delivery; after the last, the delivery is failed. */
  readonly webhookRetrySeconds: readonly number[];
}
