/**
 * Fault injection (reference §13.8): HTTP-level rules matched per request, plus knobs for
 * notifications, asynchronous events and paged reads. A rule with `times` fires on that many matching
 * requests and then retires; with `probability` it fires at random from the seeded RNG; with neither
 * it fires on every match. The configuration lives in memory only: a restart starts without faults.
 */

import type { Rng } from './rng.ts';
import type { FaultConfig, FaultRule } from './types.ts';

/** Faults that answer instead of the endpoint. */
const TERMINAL_KINDS = new Set<FaultRule['kind']>([
  'throttle',
  'server_error',
  'unavailable',
  'drop_connection',
]);

/** What the faults decided for one request. */
export interface FaultDecision {
  /** Extra latency before anything else (sum of matching `slow` rules). */
  readonly delayMs: number;
  /** Answer error bodies with HTTP 200, as Apple's legacy front ends did. */
  readonly legacy200: boolean;
  /** A rule that answers instead of the endpoint. */
  readonly terminal?: FaultRule;
  /** A rule that lets the endpoint do its work and then answers an error. */
  readonly acceptThenFail?: FaultRule;
}

const NO_FAULT: FaultDecision = { delayMs: 0, legacy200: false };

/** Holds the fault configuration and decides, request by request, which rules fire. */
export class FaultController {
  readonly #rng: Rng;
  #config: FaultConfig = {};
  #remaining = new Map<FaultRule, number>();

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  set(config: FaultConfig): void {
    this.#config = structuredClone(config);
    this.#remaining = new Map();
    for (const rule of this.#config.rules ?? []) {
      if (rule.times !== undefined) this.#remaining.set(rule, rule.times);
    }
  }

  clear(): void {
    this.set({});
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /**
   * Decides the faults of one request. `endpointKey` is `'<METHOD> <path>'`; `appleEndpoint` says
   * whether it is under `/mdm/v2` (a rule without `endpoint` matches only those).
   */
  decide(endpointKey: string, appleEndpoint: boolean): FaultDecision {
    const rules = this.#config.rules;
    if (!rules || rules.length === 0) return NO_FAULT;
    let delayMs = 0;
    let legacy200 = false;
    let terminal: FaultRule | undefined;
    let acceptThenFail: FaultRule | undefined;
    for (const rule of rules) {
      if (!matches(rule, endpointKey, appleEndpoint)) continue;
      // A later answering rule must not spend its `times` when an earlier one already answers.
      const answers = TERMINAL_KINDS.has(rule.kind) || rule.kind === 'accept_then_fail';
      if (answers && (terminal || acceptThenFail)) continue;
      if (!this.#fires(rule)) continue;
      if (rule.kind === 'slow') delayMs += rule.delayMs ?? 1000;
      else if (rule.kind === 'legacy200') legacy200 = true;
      else if (rule.kind === 'accept_then_fail') acceptThenFail = rule;
      else terminal = rule;
    }
    return { delayMs, legacy200, ...(terminal && { terminal }), ...(acceptThenFail && { acceptThenFail }) };
  }

  #fires(rule: FaultRule): boolean {
    const left = this.#remaining.get(rule);
    if (left !== undefined && left <= 0) return false;
    if (rule.probability !== undefined && !this.#rng.chance(rule.probability)) return false;
    if (left !== undefined) this.#remaining.set(rule, left - 1);
    return true;
  }
}

function matches(rule: FaultRule, endpointKey: string, appleEndpoint: boolean): boolean {
  if (rule.endpoint === undefined) return appleEndpoint;
  const wanted = rule.endpoint.trim();
  if (wanted.includes(' ')) return wanted.toUpperCase() === endpointKey.toUpperCase();
  return endpointKey.slice(endpointKey.indexOf(' ') + 1) === wanted.replace(/^\/+/, '');
}
