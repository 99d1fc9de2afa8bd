/**
 * Test support for the Apple simulator suites: a small deterministic seed, a simulator started for
 * tests (quiet, no rate limit, long timers that `settle()` drives), a `fetch` helper that speaks to it
 * as an MDM would, and a local notification receiver.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { z } from 'zod';
import {
  type AppleSimulator,
  type SeedInput,
  type SimulatorOptions,
  startAppleSimulator,
} from '../../../../functions/local/apple-simulator/index.ts';

/**
 * JSON bodies are asserted with `expect(...)` rather than typed: the simulator is what is under test.
 * Where a shape matters, tests also parse it with the shared wire schemas (`expectParses`).
 */
export type Json = any;

export const LOC = 'loc-1';
export const OTHER_LOC = 'loc-2';
export const UID = '3300000000000042';

/** Apps 1111111111 (10 licences) and 2222222222 (1), a book, a user-only app, a free unlimited app. */
export const TEST_SEED: SeedInput = {
  organizations: [
    {
      id: 'acme',
      name: 'Example School District',
      managedAppleIdDomain: 'acme.appleaccount.example',
      locations: [
        {
          id: LOC,
          name: 'North Campus',
          uId: UID,
          countryISO2ACode: 'GB',
          defaultPlatform: 'enterprisestore',
          websiteURL: 'https://school.apple.com',
          assets: [
            {
              adamId: '1111111111',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Alpha Maths',
              totalCount: 10,
              deviceAssignable: true,
              bundleId: 'com.example.alpha',
            },
            {
              adamId: '2222222222',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Beta Draw',
              totalCount: 1,
              deviceAssignable: true,
            },
            {
              adamId: '3333333333',
              pricingParam: 'STDQ',
              productType: 'Book',
              name: 'Gamma Stories',
              totalCount: 5,
              deviceAssignable: false,
            },
            {
              adamId: '4444444444',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Delta Notes',
              totalCount: 5,
              deviceAssignable: false,
              supportedPlatforms: ['macOS'],
            },
            {
              adamId: '5555555555',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Epsilon Free',
              unlimited: true,
              deviceAssignable: true,
            },
          ],
          users: [
            { clientUserId: 'u-5f3a', email: 'pupil17@example.test' },
            { clientUserId: 'u-77b0', managedAppleId: 'teacher@acme.appleaccount.example' },
          ],
        },
        { id: OTHER_LOC, name: 'South Campus', uId: '3300000000000043', assets: [] },
      ],
    },
  ],
};

export interface TestSimulator {
  readonly sim: AppleSimulator;
  /** A valid token of `loc-1`. */
  readonly token: string;
  /** A valid token of `loc-2`. */
  readonly otherToken: string;
}

/** A simulator seeded with `TEST_SEED`; events and retries wait for `settle()` unless told otherwise. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<TestSimulator> {
  const sim = await startAppleSimulator({
    quiet: true,
    enforceRateLimit: false,
    allowHttpNotifications: true,
    eventDelayMs: 60_000,
    notificationRetryMs: 60_000,
    randomSeed: 7,
    seed: TEST_SEED,
    ...options,
  });
  const locations = sim.snapshot().locations;
  const tokenOf = (id: string): string => locations.find((l) => l.id === id)?.tokens[0] ?? '';
  return { sim, token: tokenOf(LOC), otherToken: tokenOf(OTHER_LOC) };
}

export interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
  readonly headers: Headers;
}

export interface CallOptions {
  readonly token?: string;
  readonly query?: Record<string, string | number | boolean>;
  readonly body?: unknown;
  /** Sent as is (overrides `body`). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/** One request to `${base}/${path}`, as an MDM would send it. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const url = new URL(`${base}/${path}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {
    ...(options.token !== undefined && { Authorization: `Bearer ${options.token}` }),
  };
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...options.headers },
    ...(body !== undefined && { body }),
  });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Calls bound to one simulator and token: `api.get('assets', {query})`, `api.post('users/create', body)`. */
export function apiFor(sim: AppleSimulator, token: string) {
  return {
    get: (path: string, query?: CallOptions['query']) =>
      call(sim.baseUrl, 'GET', path, { token, ...(query && { query }) }),
    post: (path: string, body: unknown) => call(sim.baseUrl, 'POST', path, { token, body }),
  };
}

export function expectError(answer: Answer, status: number, errorNumber: number): void {
  expect({ status: answer.status, errorNumber: answer.body?.errorNumber }).toEqual({ status, errorNumber });
  expect(typeof answer.body.errorMessage).toBe('string');
}

/** Asserts that a body parses with one of the shared wire schemas (the client's view of Apple). */
export function expectParses<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`does not match the wire schema: ${parsed.error.message}`);
  return parsed.data;
}

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Json;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** The statuses of the next answers, in order; afterwards 200. */
  respondWith(...statuses: number[]): void;
  ofType(notificationType: string): Received[];
  close(): Promise<void>;
}

/** A local HTTP endpoint standing in for the MDM's notification URL. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let script: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(script.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/vpp`,
    received,
    respondWith: (...statuses) => {
      script = statuses;
    },
    ofType: (type) => received.filter((r) => r.body.notificationType === type),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Points loc-1's notifications at the receiver (the TEST_NOTIFICATION it gets is cleared). */
export async function subscribe(
  sim: AppleSimulator,
  token: string,
  receiver: Receiver,
  types?: string[],
): Promise<void> {
  const answer = await call(sim.baseUrl, 'POST', 'client/config', {
    token,
    body: {
      mdmInfo: { id: 'mdm-1', name: 'Test MDM', metadata: 'test' },
      notificationUrl: receiver.url,
      notificationAuthToken: 'nat_secret',
      notificationTypes: types ?? ['ASSET_MANAGEMENT', 'ASSET_COUNT', 'USER_MANAGEMENT', 'USER_ASSOCIATED'],
    },
  });
  expect(answer.status).toBe(200);
  receiver.received.length = 0;
}
