/**
 * Local mode as a user runs it: `npm start` in a child process, `npm run token` for a JWT, then the API.
 * Checks the gateway's own errors, roles, JSON errors, the OpenAPI document, a queue message reaching
 * its worker, a message that keeps failing landing in the dead-letter queue, state surviving a
 * restart, and Ctrl-C stopping everything (the JVM included).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/engines/net.ts';
import { ROUTES } from '../../shared/api/index.ts';
import { localToken } from '../support/local-token.ts';
import { eventually } from '../support/runtime.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vpp-e2e-'));
let api: string;
let sim: string;
let child: ChildProcess | undefined;
let output = '';

async function start(): Promise<void> {
  const port = await freePort();
  const simPort = await freePort();
  api = `http://127.0.0.1:${port}`;
  sim = `http://127.0.0.1:${simPort}`;
  output = '';
  child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SIM_PORT: String(simPort),
      LOCAL_DIR: dir,
      LOCAL_VISIBILITY_SECONDS: '1',
      SIM_EVENT_DELAY_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    detached: true,
  });
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  await eventually(
    async () => output.includes('ready'),
    90_000,
    `"ready" from npm start (got: ${output.slice(-500)})`,
  );
}

/** Ctrl-C: resolves with how npm ended (exit 0, or killed by the SIGINT it passes on, as npm does). */
async function stop(): Promise<string> {
  const running = child;
  if (!running || running.exitCode !== null || running.signalCode !== null) return 'not running';
  const exited = new Promise<string>((r) =>
    running.once('exit', (code, signal) => r(signal ?? `exit ${code}`)),
  );
  // What Ctrl-C in a terminal does: SIGINT to the whole foreground process group.
  if (running.pid) process.kill(-running.pid, 'SIGINT');
  return exited;
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, headers: response.headers };
}

let admin: string;

beforeAll(async () => {
  await start();
  admin = await localToken(dir, { role: 'org-admin' });
}, 120_000);

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the URLs with the ready line and writes the demo tokens', () => {
    expect(output).toMatch(/ready.*http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(readFileSync(join(dir, 'tokens', 'demo-north.vpptoken'), 'utf8').trim()).toMatch(
      /^[A-Za-z0-9+/=]+$/,
    );
  });

  it('answers 401 in API Gateway’s shape without a token, with a bad one, and with an expired one', async () => {
    expect(await call('GET', '/v1/accounts')).toMatchObject({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect(await call('GET', '/v1/accounts', { token: 'not.a.jwt' })).toMatchObject({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    const forged = `${admin.slice(0, admin.lastIndexOf('.'))}.AAAA`;
    expect((await call('GET', '/v1/accounts', { token: forged })).status).toBe(401);
    const expired = await localToken(dir, { role: 'org-admin', email: 'a@demo.test', expires: '-1m' });
    expect((await call('GET', '/v1/accounts', { token: expired })).status).toBe(401);
    expect(await call('GET', '/v1/nothing-here', { token: admin })).toMatchObject({
      status: 404,
      body: { message: 'Not Found' },
    });
  });

  it('answers 403 for a role that may not, and JSON errors for malformed bodies', async () => {
    const viewer = await localToken(dir, { role: 'viewer', email: 'v@demo.test' });
    const forbidden = await call('POST', '/v1/accounts', {
      token: viewer,
      body: JSON.stringify({ name: 'x', email: 'x@demo.test', token: 'x' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('auth.forbidden');
    const malformed = await call('POST', '/v1/accounts', {
      token: admin,
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'request.malformed_json' } } });
    const invalid = await call('POST', '/v1/accounts', {
      token: admin,
      body: '{"name": 5}',
      headers: { 'content-type': 'application/json' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/name/);
    expect(invalid.headers.get('x-content-type-options')).toBe('nosniff');
    const huge = await call('POST', '/v1/accounts', {
      token: admin,
      body: 'x'.repeat(10 * 1024 * 1024 + 10),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge).toMatchObject({ status: 413, body: { message: 'Request Entity Too Large' } });
  });

  it('serves the OpenAPI 3.1 document with every route', async () => {
    const doc = await call('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const route of ROUTES)
      expect(
        doc.body.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    expect(doc.body.paths['/v1/accounts'].post.requestBody.content['application/json'].schema).toBeDefined();
  });

  let accountId: string;
  it('takes a demo token, and the queued sync reaches its worker', async () => {
    const created = await call('POST', '/v1/accounts', {
      token: admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'North',
        email: 'it@demo.test',
        token: readFileSync(join(dir, 'tokens', 'demo-north.vpptoken'), 'utf8'),
      }),
    });
    expect(created.status).toBe(201);
    accountId = created.body.id;
    const started = await call('POST', `/v1/accounts/${accountId}/sync`, { token: admin });
    expect(started.status).toBe(202);
    const done = await eventually(
      async () => {
        const job = await call('GET', `/v1/jobs/${started.body.job.id}`, { token: admin });
        return job.body.state === 'succeeded' ? job.body : undefined;
      },
      30_000,
      'the sync job to succeed',
    );
    expect(done.completed).toBe(3);
    const account = await call('GET', `/v1/accounts/${accountId}`, { token: admin });
    expect(account.body).toMatchObject({ status: 'active', lastSync: { at: expect.any(String) } });
    const assets = await call('GET', `/v1/accounts/${accountId}/assets`, { token: admin });
    expect(assets.status).toBe(200);
    expect(assets.body.items.find((a: { adamId: string }) => a.adamId === '361309726')).toMatchObject({
      name: 'Pages',
      totalCount: 40,
      assignedCount: 2,
      availableCount: 38,
    });
  });

  it('moves a message that keeps failing to the dead-letter queue, and its job shows why', async () => {
    const faults = await fetch(`${sim}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ endpoint: 'GET users', kind: 'unavailable', retryAfter: '3600' }] }),
    });
    expect(faults.status).toBeLessThan(300);
    const started = await call('POST', `/v1/accounts/${accountId}/sync`, { token: admin });
    const failed = await eventually(
      async () => {
        const job = await call('GET', `/v1/jobs/${started.body.job.id}`, { token: admin });
        return job.body.state === 'failed' ? job.body : undefined;
      },
      60_000,
      'the sync job to fail',
    );
    expect(failed.failures[0]).toMatchObject({
      code: 'apple.service_unavailable',
      appleError: { errorNumber: 9729 },
    });
    // Other jobs may pass through the queue meanwhile (the debounced reconciliation after the first
    // sync); in the end the failed message is in the DLQ and nothing is left behind.
    const queues = await eventually(
      async () => {
        const depth = (await call('GET', '/_local/queues')).body;
        return depth.jobs.dlq >= 1 && depth.jobs.queue === 0 ? depth : undefined;
      },
      45_000,
      'the message in the jobs DLQ and the jobs queue empty',
    );
    expect(queues.jobs.dlq).toBe(1);
    await fetch(`${sim}/_sim/faults`, { method: 'DELETE' });
  }, 150_000);

  it('stops on Ctrl-C leaving no process, and keeps its state for the next start', async () => {
    expect(['exit 0', 'SIGINT']).toContain(await stop());
    const running = (pattern: string) => {
      try {
        return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    // The JVM (its data folder is on its command line) and the API port are gone within seconds.
    await eventually(async () => running(join(dir, 'dynamodb')) === '', 15_000, 'DynamoDB Local to stop');
    await eventually(
      async () =>
        fetch(`${api}/v1/health`).then(
          () => false,
          () => true,
        ),
      15_000,
      'the API to stop',
    );
    await start();
    const listed = await call('GET', '/v1/accounts', { token: admin });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([accountId]);
  }, 120_000);
});
