import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isSafeToRetry,
  nextDelay,
  parseRetryAfter,
} from '../../../../shared/adapters/apple-vpp/retry.ts';
import { VppApiError } from '../../../../shared/application/ports/vpp-errors.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1_500],
    ['Thu, 26 Nov 2026 12:00:30 GMT', 30_000],
    ['Thu, 26 Nov 2026 11:00:00 GMT', 0],
  ])('reads %s', (header, ms) => expect(parseRetryAfter(header, now)).toBe(ms));

  it.each([null, undefined, '', 'soon'])('ignores %s', (header) =>
    expect(parseRetryAfter(header, now)).toBeUndefined(),
  );
});

describe('backoff', () => {
  it('grows exponentially within [half, full] of the step and caps at maxDelayMs', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
  });

  it('never waits less than Retry-After', () => {
    const error = new VppApiError('throttled', 'x', { errorNumber: 9646, retryAfterMs: 7_000 });
    expect(nextDelay(DEFAULT_RETRY_POLICY, 1, error, () => 0)).toBe(7_000);
    expect(nextDelay(DEFAULT_RETRY_POLICY, 1, error, () => 0.99)).toBeGreaterThan(7_000);
  });
});

describe('isSafeToRetry', () => {
  const apple = (n: number, kind: ConstructorParameters<typeof VppApiError>[0]) =>
    new VppApiError(kind, 'x', { errorNumber: n });
  const refused = new VppApiError('network', 'x', {
    cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
  });
  const reset = new VppApiError('network', 'x', {
    cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
  });
  const bare500 = new VppApiError('service_unavailable', 'x', { httpStatus: 502 });

  it.each([
    ['9646 throttled', apple(9646, 'throttled'), true, true],
    ['9729 unavailable (Apple body)', apple(9729, 'service_unavailable'), true, true],
    ['9603 internal (Apple body)', apple(9603, 'internal'), true, true],
    ['connection refused', refused, true, true],
    ['connection reset', reset, true, false],
    ['bare 502', bare500, true, false],
    ['9709 not enough licences', apple(9709, 'not_enough_licenses'), false, false],
    ['9621 token expired', apple(9621, 'token_expired'), false, false],
  ])('%s: read %s, write %s', (_name, error, read, write) => {
    expect(isSafeToRetry(error, true)).toBe(read);
    expect(isSafeToRetry(error, false)).toBe(write);
  });
});
