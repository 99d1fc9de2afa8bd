/**
 * Webhook subscriptions end to end on the local engines (DynamoDB Local, the Secrets Manager stand-in,
 * the local gateway with its JWT authorizer): the secret shown once, in Secrets Manager and nowhere
 * else, rotation, refused URLs (422 with the reason), roles and organisations. Host names resolve
 * through a fake resolver (no test looks a name up); address literals need no lookup at all.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSecretName } from '../../shared/application/webhooks/manage-webhooks.ts';
import { WebhookSigningSecretsSchema, webhookSecretOf } from '../../shared/domain/webhook.ts';
import { FakeHostResolver } from '../support/fakes/index.ts';
import { type Caller, ORG_ADMIN, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const ADMIN: Caller = { org: 'demo', role: 'admin', email: 'admin2@demo.test' };
const OTHER_ORG: Caller = { org: 'acme', role: 'org-admin', email: 'boss@acme.test' };

let rt: TestRuntime;
const hosts = new FakeHostResolver({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07::1'],
  'intranet.example.com': ['10.20.30.40'],
  'mixed.example.com': ['93.184.215.14', '::ffff:169.254.169.254'],
});

beforeAll(async () => {
  rt = await startTestRuntime({ overrides: { hosts } });
});

/** A receiver on 127.0.0.1: what it got, and the status it answers (`answer`). */
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let answer = 200;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.writeHead(answer).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await rt?.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const body = { url: 'https://hooks.example.com/vpp', eventTypes: ['license.granted', 'job.finished'] };

async function stored(orgId: string, id: string) {
  const value = await rt.deps.secrets.get(webhookSecretName(orgId, id));
  return value ? WebhookSigningSecretsSchema.parse(JSON.parse(value.reveal())) : undefined;
}

describe('webhook subscriptions', () => {
  it('shows the secret once at creation, keeps it in Secrets Manager only, and rotates it', async () => {
    // Act: create, read, list.
    const created = await rt.call('POST', '/v1/webhooks', { body });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body).toMatchObject({
      url: 'https://hooks.example.com/vpp',
      eventTypes: ['license.granted', 'job.finished'],
      enabled: true,
      createdBy: ORG_ADMIN.email,
      secretVersion: 1,
    });
    expect(created.body).not.toHaveProperty('orgId');
    expect(await stored('demo', id)).toEqual({ current: secret });

    const read = await rt.call('GET', `/v1/webhooks/${id}`, { as: VIEWER });
    const list = await rt.call('GET', '/v1/webhooks', { as: ADMIN });
    expect(read.status).toBe(200);
    expect(list.status).toBe(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(id);
    const { secret: _shown, ...view } = created.body;
    expect(read.body).toEqual(view);
    for (const answer of [read, list]) expect(JSON.stringify(answer.body)).not.toContain(secret.slice(6, 26));

    // Act: pause, rotate.
    const paused = await rt.call('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false } });
    expect(paused.status).toBe(200);
    expect(paused.body.enabled).toBe(false);
    const rotated = await rt.call('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect(rotated.body).toMatchObject({ secretVersion: 2, enabled: false });
    expect(await stored('demo', id)).toEqual({
      current: rotated.body.secret,
      previous: { secret, expiresAt: rotated.body.previousSecretExpiresAt },
    });
    const expiresIn =
      Date.parse(rotated.body.previousSecretExpiresAt) - Date.parse(rotated.body.secretRotatedAt);
    expect(expiresIn).toBe(24 * 3_600_000);

    // Assess: the audit log has every write, and neither secret.
    const audit = await rt.call('GET', '/v1/audit?limit=100');
    const entries = (audit.body.items as { action: string; target: string }[]).filter(
      (e) => e.target === `webhook:${id}`,
    );
    expect(entries.map((e) => e.action).sort()).toEqual(
      ['webhook.created', 'webhook.secret_rotated', 'webhook.updated'].sort(),
    );
    for (const value of [secret, rotated.body.secret as string])
      expect(JSON.stringify(audit.body)).not.toContain(value.slice(6, 26));

    // Act: remove; the secret goes with it.
    const removed = await rt.call('DELETE', `/v1/webhooks/${id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id, removed: true });
    expect(await stored('demo', id)).toBeUndefined();
    expect((await rt.call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
  });

  it.each([
    ['http://hooks.example.com/vpp', /http is allowed to this machine only/],
    [
      'https://intranet.example.com/',
      /intranet\.example\.com resolves to 10\.20\.30\.40 is a private address/,
    ],
    ['https://mixed.example.com/', /169\.254\.169\.254 is a link-local address/],
    ['https://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://[fd00:ec2::254]/latest/meta-data/', /unique-local/],
    ['https://[::ffff:10.0.0.1]/', /10\.0\.0\.1 is a private address/],
    ['https://metadata.google.internal/computeMetadata/v1/', /cloud metadata host/],
    ['https://nowhere.example.com/', /nowhere\.example\.com does not resolve/],
    ['https://user:pass@hooks.example.com/', /user name or password/],
    ['not a url', /not an absolute URL/],
  ])('refuses %s with 422 webhook.url_not_allowed and the reason', async (url, reason) => {
    const answer = await rt.call('POST', '/v1/webhooks', { body: { ...body, url } });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('webhook.url_not_allowed');
    expect(answer.body.error.details.reason).toMatch(reason);
  });

  it('accepts http to this machine in local mode', async () => {
    const answer = await rt.call('POST', '/v1/webhooks', {
      body: { ...body, url: 'http://127.0.0.1:9/hook' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.url).toBe('http://127.0.0.1:9/hook');
  });

  it('sends a signed test event to a receiver on this machine, verified with the standardwebhooks package', async () => {
    // Prepare
    const port = (receiver.address() as AddressInfo).port;
    const created = await rt.call('POST', '/v1/webhooks', {
      body: { ...body, url: `http://127.0.0.1:${port}/in` },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    received.length = 0;

    // Act: a test event, then one after a rotation, then one the receiver refuses.
    const first = await rt.call('POST', `/v1/webhooks/${id}/test`);
    const rotated = await rt.call('POST', `/v1/webhooks/${id}/rotate-secret`);
    const second = await rt.call('POST', `/v1/webhooks/${id}/test`);
    answer = 503;
    const refused = await rt.call('POST', `/v1/webhooks/${id}/test`);
    answer = 200;
    const byViewer = await rt.call('POST', `/v1/webhooks/${id}/test`, { as: VIEWER });

    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ delivered: true, status: 200 });
    expect(second.body).toMatchObject({ delivered: true, status: 200 });
    expect(refused.body).toMatchObject({ delivered: false, status: 503 });
    expect(byViewer.status).toBe(403);
    expect(received).toHaveLength(3);
    const verify = (secret: string, at: number) => {
      const got = received[at];
      return new Webhook(secret).verify(got?.body ?? '', got?.headers as Record<string, string>);
    };
    expect(verify(created.body.secret, 0)).toMatchObject({
      type: 'webhook.test',
      orgId: 'demo',
      data: { subscriptionId: id },
    });
    // After the rotation both secrets verify (the previous one for a day), and each event has its own id.
    expect(() => verify(rotated.body.secret, 1)).not.toThrow();
    expect(() => verify(created.body.secret, 1)).not.toThrow();
    expect(() => verify(webhookSecretOf(new Uint8Array(32).fill(3)), 0)).toThrow();
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(3);
  });

  it('lets only org-admins write, and keeps every organisation to its own', async () => {
    // Prepare
    const created = await rt.call('POST', '/v1/webhooks', { body });
    const id = created.body.id as string;
    const before = await stored('demo', id);

    // Act + Assess: other roles are refused every write.
    for (const as of [VIEWER, ADMIN]) {
      expect((await rt.call('POST', '/v1/webhooks', { as, body })).status).toBe(403);
      expect((await rt.call('PATCH', `/v1/webhooks/${id}`, { as, body: { enabled: false } })).status).toBe(
        403,
      );
      expect((await rt.call('POST', `/v1/webhooks/${id}/rotate-secret`, { as })).status).toBe(403);
      expect((await rt.call('DELETE', `/v1/webhooks/${id}`, { as })).status).toBe(403);
    }
    // Another organisation's org-admin finds nothing.
    for (const [method, path, payload] of [
      ['GET', `/v1/webhooks/${id}`, undefined],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: false }],
      ['POST', `/v1/webhooks/${id}/rotate-secret`, undefined],
      ['DELETE', `/v1/webhooks/${id}`, undefined],
    ] as const) {
      const answer = await rt.call(method, path, { as: OTHER_ORG, ...(payload ? { body: payload } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('webhook.not_found');
    }
    expect((await rt.call('GET', '/v1/webhooks', { as: OTHER_ORG })).body.items).toEqual([]);
    expect(await stored('demo', id)).toEqual(before);
    expect((await rt.call('GET', `/v1/webhooks/${id}`)).body).toMatchObject({
      enabled: true,
      secretVersion: 1,
    });
  });
});
