/**
 * When and how long to wait before asking Apple again. Reads are retried on throttling, 5xx and
 * network errors; writes only when Apple's answer shows the request was not taken (see
 * `isSafeToRetry`). Delays grow exponentially with jitter and never undercut `Retry-After`.
 */
import { TRANSIENT_KINDS, type VppApiError } from '../../application/ports/vpp-errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No retry starts when waiting would take the call past this budget. */
  readonly maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxTotalMs: 180_000,
};

/**
 * Parses a `Retry-After` header: delta-seconds (`120`) or an HTTP-date. Returns milliseconds from `nowMs`,
 * or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with jitter for attempt n (1-based: the wait after the n-th failure). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** The wait before the next attempt: at least Retry-After, plus a little jitter so callers spread out. */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  error: VppApiError,
  random: () => number,
): number {
  const backoff = backoffDelay(policy, attempt, random);
  if (error.retryAfterMs === undefined) return backoff;
  return error.retryAfterMs + Math.round(random() * Math.min(policy.baseDelayMs, 1_000));
}

/**
 * Whether a failed call may be sent again.
 * - Reads (and idempotent writes such as `client/config`): any transient failure.
 * - Other writes: only when Apple's answer proves nothing was taken: an Apple error body (Apple
 *   processes nothing when it answers synchronously with an error, reference §8.1) of a transient
 *   kind, HTTP 429, or a connection that was never made. A bare 5xx or a broken connection leaves the
 *   outcome unknown, so it is not replayed.
 */
export function isSafeToRetry(error: VppApiError, idempotent: boolean): boolean {
  if (!TRANSIENT_KINDS.has(error.kind)) return false;
  if (idempotent) return true;
  if (error.kind === 'throttled') return true;
  if (error.kind === 'network') return error.errorNumber === undefined && isNotConnected(error);
  return error.errorNumber !== undefined;
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when the request never reached Apple (connection refused, name not resolved). */
export function isNotConnected(error: VppApiError): boolean {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
