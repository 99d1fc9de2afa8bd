/**
 * The HTTP webhook sender against receivers on this machine (loopback only): the signed delivery
 * verified by the `standardwebhooks` package as a receiver would, the connection made to the given
 * address whatever the name (a name that resolves nowhere), no redirect followed, the deadline, a
 * refused connection, a bounded answer and a bounded payload.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../functions/local/engines/net.ts';
import { HttpWebhookSender } from '../../../shared/adapters/http/http-webhook-sender.ts';
import {
  ANSWER_EXCERPT_BYTES,
  MAX_WEBHOOK_BODY_BYTES,
} from '../../../shared/application/ports/webhook-sender.ts';
import { signWebhook } from '../../../shared/application/webhooks/sign-webhook.ts';
import { webhookSecretOf } from '../../../shared/domain/webhook.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A receiver on 127.0.0.1 that records each request and answers with `answer`. */
async function receiver(answer: (req: Received, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(r);
      answer(r, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, port: (server.address() as AddressInfo).port };
}

const secret = webhookSecretOf(new Uint8Array(32).fill(7));
const body = JSON.stringify({ id: 'evt_1', type: 'webhook.test', data: {} });
const sender = new HttpWebhookSender();

describe('HttpWebhookSender', () => {
  it('delivers a body the receiver verifies with the standardwebhooks package', async () => {
    // Prepare
    const r = await receiver((_req, res) => res.writeHead(204).end());

    // Act
    const outcome = await sender.send({
      url: `http://127.0.0.1:${r.port}/hooks/vpp?x=1`,
      address: '127.0.0.1',
      headers: signWebhook({ id: 'evt_1', at: new Date(), body, secrets: [secret] }),
      body,
      timeoutMs: 5_000,
    });

    // Assess
    expect(outcome).toMatchObject({ status: 204 });
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got).toMatchObject({ method: 'POST', url: '/hooks/vpp?x=1', body });
    expect(got?.headers['content-type']).toBe('application/json');
    expect(new Webhook(secret).verify(got?.body ?? '', got?.headers as Record<string, string>)).toEqual(
      JSON.parse(body),
    );
  });

  it('connects to the given address, never looking the name up (the Host header keeps the name)', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end('ok'));
    const outcome = await sender.send({
      // `.invalid` never resolves: reaching the receiver proves no lookup was made.
      url: `http://hooks.example.invalid:${r.port}/in`,
      address: '127.0.0.1',
      headers: {},
      body,
      timeoutMs: 5_000,
    });
    expect(outcome).toMatchObject({ status: 200, answerExcerpt: 'ok' });
    expect(r.received[0]?.headers.host).toBe(`hooks.example.invalid:${r.port}`);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const r = await receiver((req, res) =>
      req.url === '/start' ? res.writeHead(307, { location: '/elsewhere' }).end() : res.writeHead(200).end(),
    );
    const outcome = await sender.send({
      url: `http://127.0.0.1:${r.port}/start`,
      address: '127.0.0.1',
      headers: {},
      body,
      timeoutMs: 5_000,
    });
    expect(outcome.status).toBe(307);
    expect(r.received.map((x) => x.url)).toEqual(['/start']);
  });

  it('gives up at the deadline when the receiver does not answer', async () => {
    const r = await receiver(() => undefined);
    const outcome = await sender.send({
      url: `http://127.0.0.1:${r.port}/slow`,
      address: '127.0.0.1',
      headers: {},
      body,
      timeoutMs: 300,
    });
    expect(outcome.error).toBe('timeout');
    expect(outcome.status).toBeUndefined();
    expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
    expect(outcome.durationMs).toBeLessThan(3_000);
  });

  it('answers connection_refused when nothing listens', async () => {
    const port = await freePort();
    const outcome = await sender.send({
      url: `http://127.0.0.1:${port}/`,
      address: '127.0.0.1',
      headers: {},
      body,
      timeoutMs: 5_000,
    });
    expect(outcome.error).toBe('connection_refused');
  });

  it(`reads at most ${ANSWER_EXCERPT_BYTES} bytes of the answer`, async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(1_000_000));
    });
    const outcome = await sender.send({
      url: `http://127.0.0.1:${r.port}/`,
      address: '127.0.0.1',
      headers: {},
      body,
      timeoutMs: 5_000,
    });
    expect(outcome.status).toBe(500);
    expect(outcome.answerExcerpt).toHaveLength(ANSWER_EXCERPT_BYTES);
  });

  it('refuses a payload over the bound, and an address that is not an IP address', () => {
    const big = 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1);
    expect(() =>
      sender.send({
        url: 'http://127.0.0.1:9/',
        address: '127.0.0.1',
        headers: {},
        body: big,
        timeoutMs: 100,
      }),
    ).toThrow(/split it first/);
    expect(() =>
      sender.send({ url: 'http://127.0.0.1:9/', address: 'localhost', headers: {}, body, timeoutMs: 100 }),
    ).toThrow(/checked IP address/);
  });
});
