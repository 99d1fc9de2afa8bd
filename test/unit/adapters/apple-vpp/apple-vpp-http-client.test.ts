/**
 * The client's own behaviour against scripted answers: what the simulator cannot easily produce
 * (malformed bodies, exact Retry-After arithmetic, redirects) is checked here with a fake fetch and a
 * fake clock. Behaviour against Apple's semantics is in test/contract/.
 */
import { describe, expect, it } from 'vitest';
import { AppleVppHttpClient } from '../../../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import type { Sleep } from '../../../../shared/adapters/apple-vpp/rate-limiter.ts';
import { InMemoryRateSlots } from '../../../../shared/adapters/apple-vpp/rate-limiter.ts';
import type { Clock } from '../../../../shared/application/ports/clock.ts';
import { VppApiError } from '../../../../shared/application/ports/vpp-errors.ts';
import { Secret } from '../../../../shared/domain/secret.ts';

const TOKEN_TEXT = 'eyJ0b2tlbiI6InNlY3JldC1sb2NhdGlvbi10b2tlbiJ9';
const token = new Secret(TOKEN_TEXT);
const BASE = 'https://vpp.example.test/mdm/v2';

const serviceConfig = {
  errorCodes: [],
  limits: { maxRequestPerSecond: 4, maxAssets: 25, maxSerialNumbers: 1000 },
  notificationTypes: [],
  urls: {
    getAssets: `${BASE}/assets`,
    associateAssets: `${BASE}/assets/associate`,
    clientConfig: `https://evil.example/steal`,
  },
};

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script per path and records every request. */
function scriptedFetch(script: Record<string, Answer[]>) {
  const requests: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    requests.push({
      url: url.toString(),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>)),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    const path = url.pathname.replace('/mdm/v2/', '');
    if (path === 'service/config') return Response.json(serviceConfig);
    const answer = script[path]?.shift();
    if (!answer) throw new Error(`no scripted answer for ${path}`);
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? '' : JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  return { fetch: impl as typeof fetch, requests };
}

/** A clock whose sleeps advance time at once and are recorded; `ms()` is its time in milliseconds. */
function fakeClock(
  start = Date.parse('2026-11-26T12:00:00Z'),
): Clock & { sleep: Sleep; sleeps: number[]; ms: () => number } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    ms: () => now,
    now: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function client(script: Record<string, Answer[]>, clock = fakeClock()) {
  const fake = scriptedFetch(script);
  const vpp = new AppleVppHttpClient({
    baseUrl: BASE,
    fetch: fake.fetch,
    clock,
    sleep: clock.sleep,
    random: () => 0,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, maxTotalMs: 60_000 },
  });
  return { vpp, requests: fake.requests, clock };
}

const page = (assets: unknown[], extra: Record<string, unknown> = {}) => ({
  assets,
  currentPageIndex: 0,
  size: assets.length,
  totalPages: 1,
  versionId: 'v1',
  uId: '42',
  ...extra,
});
const app = {
  adamId: '1',
  pricingParam: 'STDQ',
  productType: 'App',
  assignedCount: 1,
  availableCount: 2,
  totalCount: 3,
  deviceAssignable: true,
  revocable: true,
};

describe('AppleVppHttpClient', () => {
  it('checks errorNumber even in an HTTP 200 answer', async () => {
    const { vpp } = client({
      assets: [{ status: 200, body: { errorNumber: 9622, errorMessage: 'Invalid authentication token.' } }],
    });
    const error = await vpp.readAssets(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VppApiError);
    expect(error).toMatchObject({ kind: 'token_invalid', errorNumber: 9622, httpStatus: 200 });
  });

  it('names a missing required field and tolerates unknown ones', async () => {
    const { adamId: _dropped, ...noAdamId } = app;
    const bad = client({ assets: [{ body: page([noAdamId]) }] });
    await expect(bad.vpp.readAssets(token)).rejects.toThrow(/assets\.0\.adamId is missing/);

    const extra = client({
      assets: [{ body: page([{ ...app, brandNewField: true }], { somethingNew: 1 }) }],
    });
    const read = await extra.vpp.readAssets(token);
    expect(read.items).toHaveLength(1);
    expect(read.items[0]?.adamId).toBe('1');
  });

  it('retries a throttled read after Retry-After (seconds and HTTP-date) and succeeds', async () => {
    const clock = fakeClock();
    const httpDate = new Date(clock.ms() + 7_000).toUTCString();
    const { vpp, requests } = client(
      {
        assets: [
          {
            status: 429,
            body: { errorNumber: 9646, errorMessage: 'Too many requests' },
            headers: { 'retry-after': '3' },
          },
          { status: 503, body: { errorNumber: 9729 }, headers: { 'retry-after': httpDate } },
          { body: page([app]) },
        ],
      },
      clock,
    );
    const read = await vpp.readAssets(token);
    expect(read.items).toHaveLength(1);
    expect(requests.filter((r) => r.url.includes('/assets')).length).toBe(3);
    expect(clock.sleeps).toContain(3_000);
    // The HTTP-date was 7 s ahead when the client started; 3 s of that had passed.
    expect(clock.sleeps.some((ms) => ms >= 4_000 && ms <= 4_100)).toBe(true);
  });

  it('stops retrying reads at the attempt bound and returns the typed error', async () => {
    const { vpp, requests } = client({
      assets: Array.from({ length: 10 }, () => ({ status: 500, body: { errorNumber: 9603 } })),
    });
    await expect(vpp.readAssets(token)).rejects.toMatchObject({ kind: 'internal', errorNumber: 9603 });
    expect(requests.filter((r) => r.url.includes('/assets')).length).toBe(4);
  });

  it('stops when Retry-After would pass the total time budget', async () => {
    const { vpp, requests } = client({
      assets: [{ status: 429, body: { errorNumber: 9646 }, headers: { 'retry-after': '3600' } }],
    });
    await expect(vpp.readAssets(token)).rejects.toMatchObject({ kind: 'throttled', retryAfterMs: 3_600_000 });
    expect(requests.filter((r) => r.url.includes('/assets')).length).toBe(1);
  });

  it('never replays a write after a bare 5xx or a broken connection: outcome unknown', async () => {
    const request = { assets: [{ adamId: '1', pricingParam: 'STDQ' as const }], serialNumbers: ['A'] };
    const bare = client({ 'assets/associate': [{ status: 502 }] });
    const result = await bare.vpp.associateAssets(token, request);
    expect(result.events).toHaveLength(0);
    expect(result.rejected[0]?.error.kind).toBe('outcome_unknown');
    expect(result.rejected[0]?.error.message).toMatch(/Check the event status or re-read/);
    expect(bare.requests.filter((r) => r.url.endsWith('/assets/associate'))).toHaveLength(1);

    const reset = client({
      'assets/associate': [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })],
    });
    const after = await reset.vpp.associateAssets(token, request);
    expect(after.rejected[0]?.error.kind).toBe('outcome_unknown');
    expect(reset.requests.filter((r) => r.url.endsWith('/assets/associate'))).toHaveLength(1);
  });

  it('does replay a write that Apple refused with 9646 or that never connected', async () => {
    const request = { assets: [{ adamId: '1', pricingParam: 'STDQ' as const }], serialNumbers: ['A'] };
    const { vpp, requests } = client({
      'assets/associate': [
        { status: 429, body: { errorNumber: 9646 }, headers: { 'retry-after': '1' } },
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
        { body: { eventId: 'ev-1', uId: '42' } },
      ],
    });
    const result = await vpp.associateAssets(token, request);
    expect(result.events.map((e) => e.eventId)).toEqual(['ev-1']);
    expect(requests.filter((r) => r.url.endsWith('/assets/associate'))).toHaveLength(3);
  });

  it('sends the whole token as bearer, never to a discovered URL on another origin, and follows no redirect', async () => {
    const { vpp, requests } = client({ 'client/config': [{ body: { uId: '42' } }] });
    await vpp.getClientConfig(token);
    const call = requests.find((r) => r.url.includes('client/config'));
    expect(call?.url).toBe(`${BASE}/client/config`);
    expect(call?.headers.Authorization).toBe(`Bearer ${TOKEN_TEXT}`);
    const service = requests.find((r) => r.url.includes('service/config'));
    expect(service?.headers.Authorization).toBeUndefined();
  });

  it('spaces requests of one token at maxRequestPerSecond', async () => {
    const clock = fakeClock();
    const { vpp } = client({ assets: Array.from({ length: 6 }, () => ({ body: page([app]) })) }, clock);
    const started = clock.ms();
    for (let i = 0; i < 6; i++) await vpp.readAssets(token);
    // 4 per second: six requests need at least 5 gaps of 250 ms.
    expect(clock.ms() - started).toBeGreaterThanOrEqual(1_250);
  });

  it('keeps one token under its rate together with another process sharing the slot store (SPEC §5.4)', async () => {
    const clock = fakeClock();
    const rateSlots = new InMemoryRateSlots();
    const processes = [0, 1].map(() => {
      const fake = scriptedFetch({ assets: Array.from({ length: 3 }, () => ({ body: page([app]) })) });
      return new AppleVppHttpClient({
        baseUrl: BASE,
        fetch: fake.fetch,
        clock,
        sleep: clock.sleep,
        random: () => 0,
        rateSlots,
      });
    });
    const started = clock.ms();
    await Promise.all(
      processes.map(async (vpp) => {
        for (let i = 0; i < 3; i++) await vpp.readAssets(token);
      }),
    );
    // 4 per second aimed at 90% for both together: six requests need five gaps of 1000 / 3.6 ms.
    expect(clock.ms() - started).toBeGreaterThanOrEqual(5 * (1000 / 3.6) - 1);
  });

  it('keeps the token out of every error message', async () => {
    const { vpp } = client({
      assets: [{ status: 401, body: { errorNumber: 9625 } }],
      'assets/associate': [{ status: 502 }],
    });
    const errors: unknown[] = [];
    await vpp.readAssets(token).catch((e: unknown) => errors.push(e));
    const submission = await vpp.associateAssets(token, {
      assets: [{ adamId: '1', pricingParam: 'STDQ' }],
      serialNumbers: ['A'],
    });
    errors.push(...submission.rejected.map((r) => r.error));
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(String(error)).not.toContain(TOKEN_TEXT);
      expect(JSON.stringify(error)).not.toContain(TOKEN_TEXT);
    }
  });

  it('walks the pages by nextPageIndex and re-walks when the version changes mid-walk', async () => {
    const p = (index: number, next: number | undefined, versionId: string, adamId: string) => ({
      body: page([{ ...app, adamId }], {
        currentPageIndex: index,
        totalPages: 2,
        versionId,
        ...(next === undefined ? {} : { nextPageIndex: next }),
      }),
    });
    const { vpp } = client({
      assets: [
        p(0, 1, 'v1', '1'),
        p(1, undefined, 'v2', '2'),
        p(0, 1, 'v2', '1'),
        p(1, undefined, 'v2', '2'),
      ],
    });
    const read = await vpp.readAssets(token);
    expect(read).toMatchObject({ versionId: 'v2', consistent: true, pages: 2 });
    expect(read.items.map((a) => a.adamId)).toEqual(['1', '2']);
  });

  it('reports an inconsistent walk when the data never holds still', async () => {
    const moving = Array.from({ length: 6 }, (_, i) => ({
      body: page([app], {
        currentPageIndex: i % 2,
        totalPages: 2,
        versionId: `v${i}`,
        ...(i % 2 === 0 ? { nextPageIndex: 1 } : {}),
      }),
    }));
    const { vpp } = client({ assets: moving });
    const read = await vpp.readAssets(token);
    expect(read.consistent).toBe(false);
    expect(read.versionId).toBe('v4');
  });
});
