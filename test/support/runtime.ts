/**
 * The local runtime for integration tests: the same handlers and engines as `npm start`, sharing the
 * run's DynamoDB Local (tables under a prefix of their own), with short retry and polling delays and
 * no schedule timers (tests fire schedules themselves).
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../functions/local/runtime.ts';
import type { Role } from '../../shared/domain/principal.ts';

export interface TestRuntime extends LocalRuntime {
  /** Calls the API as a principal; returns status and parsed body. */
  call(
    method: string,
    path: string,
    options?: { as?: Caller; body?: unknown; headers?: Record<string, string>; raw?: string | Uint8Array },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  tokenFile(locationId: string): string;
}

export interface Caller {
  readonly org: string;
  readonly role: Role;
  readonly email: string;
}

export const ORG_ADMIN: Caller = { org: 'demo', role: 'org-admin', email: 'admin@demo.test' };

/** Always on its own simulator (a test that uses another Apple starts the runtime itself). */
export async function startTestRuntime(
  options: Partial<Omit<LocalRuntimeOptions, 'vppBaseUrl'>> = {},
): Promise<TestRuntime> {
  const runtime = await startLocalRuntime({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `t${randomUUID().slice(0, 8)}-`,
    scheduleTimers: false,
    visibilityTimeoutSeconds: 1,
    eventFirstPollSeconds: 1,
    eventPollIntervalSeconds: 1,
    reconcileDebounceSeconds: 1,
    // Tests look for queues at rest: a delayed message may not count in the local queue's depth.
    purgeRecheckSeconds: 0,
    // Webhook retries at once (a test of the backoff gives its own schedule).
    webhookRetrySeconds: [0, 0],
    ...options,
    simulator: { eventDelayMs: 20, notificationRetryMs: 20, ...options.simulator },
  });
  const tokens = new Map<string, string>();
  const call: TestRuntime['call'] = async (method, path, opts = {}) => {
    const caller = opts.as ?? ORG_ADMIN;
    let token = tokens.get(JSON.stringify(caller));
    if (!token) {
      token = await runtime.token(caller);
      tokens.set(JSON.stringify(caller), token);
    }
    const response = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.raw !== undefined
        ? { body: opts.raw }
        : opts.body !== undefined
          ? { body: JSON.stringify(opts.body) }
          : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };
  const tokenFile = (locationId: string) => {
    const snapshot = runtime.simulator.snapshot();
    const found = snapshot.tokens.find((t) => t.locationId === locationId && !t.expired && !t.revoked);
    if (!found) throw new Error(`no usable token for ${locationId}`);
    return found.content;
  };
  return { ...runtime, call, tokenFile };
}

/** A job as `GET /v1/jobs/{id}` shows it once it has ended (succeeded, failed or partially failed). */
export function jobEnded(rt: TestRuntime, id: string, timeoutMs = 60_000): Promise<any> {
  return eventually(
    async () => {
      const body = (await rt.call('GET', `/v1/jobs/${id}`)).body;
      return ['succeeded', 'failed', 'partially_failed'].includes(body.state) ? body : undefined;
    },
    timeoutMs,
    `job ${id}`,
  );
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
