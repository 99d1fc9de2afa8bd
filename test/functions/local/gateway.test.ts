/**
 * Local mode's API Gateway: the HTTP API's payload v2 event handed to the route's function, JWT claims
 * as the authorizer passes them, and the gateway's own errors in API Gateway's shape (404, 401, 413,
 * 429 when throttled, 431 for a request line and headers over 10 KB, 500 when a function crashes), and
 * path parameters that do not decode handed over as sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../functions/local/gateway.ts';
import { issueToken, type LocalKeys, loadOrCreateKeys } from '../../../functions/local/jwt-keys.ts';
import { ROUTES } from '../../../shared/api/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gateway-'));
let keys: LocalKeys;
let server: Server | undefined;
const seen: { fn: string; event: APIGatewayProxyEventV2 }[] = [];

async function gateway(throttle?: { ratePerSecond: number; burst: number }) {
  server = await startGateway({
    port: 0,
    routes: ROUTES,
    keys,
    ...(throttle ? { throttle } : {}),
    loadHandler: async (fn) => async (event) => {
      if (event.rawPath.endsWith('/crash')) throw new Error('boom');
      seen.push({ fn, event });
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  keys = await loadOrCreateKeys(dir);
});
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  seen.length = 0;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('local API Gateway', () => {
  it('hands the route’s function a payload v2 event with the JWT claims as strings', async () => {
    const base = await gateway();
    const token = await issueToken(keys, { org: 'demo', role: 'viewer', email: 'v@demo.test' });
    const answer = await fetch(`${base}/v1/jobs/job%2F1?state=a&state=b`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.fn).toBe('api-reports');
    expect(seen[0]?.event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/jobs/{jobId}',
      rawPath: '/v1/jobs/job%2F1',
      pathParameters: { jobId: 'job/1' },
      queryStringParameters: { state: 'a,b' },
      requestContext: {
        http: { method: 'GET' },
        authorizer: { jwt: { claims: { org: 'demo', role: 'viewer', email: 'v@demo.test' } } },
      },
    });
  });

  it('answers its own errors in API Gateway’s shape, without calling a function', async () => {
    const base = await gateway();
    const expectGatewayError = async (answer: Response, status: number, message: string) => {
      expect(answer.status).toBe(status);
      expect(await answer.json()).toEqual({ message });
    };
    await expectGatewayError(await fetch(`${base}/v1/nowhere`), 404, 'Not Found');
    await expectGatewayError(await fetch(`${base}/v1/jobs/1`), 401, 'Unauthorized');
    await expectGatewayError(
      await fetch(`${base}/v1/jobs/1`, { headers: { authorization: 'Bearer not-a-jwt' } }),
      401,
      'Unauthorized',
    );
    const big = 'x'.repeat(10 * 1024 * 1024 + 1);
    await expectGatewayError(
      await fetch(`${base}/v1/devices`, { method: 'PUT', body: big }),
      413,
      'Request Entity Too Large',
    );
    expect(seen).toHaveLength(0);
  });

  it('hands a path parameter that does not decode to the function as sent', async () => {
    const base = await gateway();
    const token = await issueToken(keys, { org: 'demo', role: 'viewer', email: 'v@demo.test' });
    for (const raw of ['%E0%A4%A', '%ED%A0%80', '50%']) {
      const answer = await fetch(`${base}/v1/jobs/${raw}`, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
    }
    expect(seen.map((s) => s.event.pathParameters?.jobId)).toEqual(['%E0%A4%A', '%ED%A0%80', '50%']);
  });

  it('answers a request line and headers over 10 KB with JSON, whichever limit it meets', async () => {
    const base = await gateway();
    const expectTooLarge = async (answer: Response) => {
      expect(answer.status).toBe(431);
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(await answer.json()).toEqual({ message: 'Request Header Fields Too Large' });
    };
    // Past API Gateway's 10,240 bytes, below Node's own limit: the gateway's check.
    await expectTooLarge(await fetch(`${base}/v1/health`, { headers: { 'x-big': 'h'.repeat(12_000) } }));
    await expectTooLarge(await fetch(`${base}/v1/health?q=${'u'.repeat(12_000)}`));
    // Past Node's parser limit (16 KB): answered by the server's clientError handler.
    await expectTooLarge(await fetch(`${base}/v1/health`, { headers: { 'x-big': 'h'.repeat(20_000) } }));
    await expectTooLarge(await fetch(`${base}/v1/health?q=${'u'.repeat(20_000)}`));
    expect(seen).toHaveLength(0);
  });

  it('throttles beyond its burst with 429, like the stage throttling', async () => {
    const base = await gateway({ ratePerSecond: 0.001, burst: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${base}/v1/health`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const throttled = await fetch(`${base}/v1/health`);
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    expect(seen).toHaveLength(3);
  });
});
