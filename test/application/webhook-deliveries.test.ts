/**
 * Webhook deliveries end to end on the local engines: events published go through the local webhooks
 * queue and the same worker as in Lambda to a receiver on 127.0.0.1 that verifies every signature with
 * the `standardwebhooks` package. The receiver first refuses connections, then answers 500, then
 * lets one attempt time out, then accepts: it ends with exactly the events sent, each verified once
 * (a repeat has the same `webhook-id`). A forged body and a replayed delivery are detectable. The
 * delivery log shows the attempts; redelivery sends the event again with its `webhook-id`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent } from '../../shared/application/webhooks/webhook-deliveries.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let port: number;
let server: Server | undefined;

/** The headers as the verifier takes them. */
const headersOf = (h: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
/** How the receiver answers its next requests, in order; then 204. */
const script: ('500' | 'hang')[] = [];

function listen(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = script.shift();
      if (next === 'hang') return; // never answers: the sender's deadline ends it
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(next === '500' ? 500 : 204).end();
    });
  });
  return new Promise((resolve) => server?.listen(port, '127.0.0.1', resolve));
}

beforeAll(async () => {
  // A free port, closed again: the first attempts find nobody there (connection refused).
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  rt = await startTestRuntime({ webhookRetrySeconds: [1, 1, 1, 1, 1, 1] });
});

afterAll(async () => {
  await rt?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

const granted = (jobId: string) => ({
  jobId,
  asset: { adamId: '361309726', pricingParam: 'STDQ' },
  subjects: [{ type: 'device' as const, id: `${jobId}-C02XK1` }],
  at: new Date().toISOString(),
});

describe('webhook deliveries', () => {
  it('retries through refusals, 500 and a timeout and ends with exactly the events sent, each verified', async () => {
    // Arrange
    const created = await rt.call('POST', '/v1/webhooks', {
      body: { url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['license.granted', 'job.finished'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const verifier = new Webhook(created.body.secret as string);

    // Act: three events while nobody listens; then a receiver that fails twice, then accepts.
    const sent = ['job-a', 'job-b', 'job-c'];
    for (const jobId of sent)
      await publishEvent(rt.deps, {
        type: 'license.granted',
        orgId: 'demo',
        accountId: 'acc-1',
        data: granted(jobId),
        key: jobId,
      });
    await eventually(
      async () => {
        const log = await rt.call('GET', `/v1/webhooks/${id}/deliveries`);
        return (
          (log.body.items as { attempts: number }[]).every((d) => d.attempts >= 1) &&
          log.body.items.length === 3
        );
      },
      20_000,
      'three refused attempts',
    );
    script.push('500', 'hang');
    await listen();
    const log = await eventually(
      async () => {
        const answer = await rt.call('GET', `/v1/webhooks/${id}/deliveries`);
        const items = answer.body.items as { status: string; attempts: number }[];
        return items.every((d) => d.status === 'delivered') ? items : undefined;
      },
      40_000,
      'every delivery delivered',
    );

    // Assess: each event verified, once per webhook-id, exactly the ones sent.
    const events = received.map(
      (r) =>
        verifier.verify(r.body, headersOf(r.headers)) as {
          id: string;
          data: { jobId: string };
        },
    );
    const byId = new Map(events.map((e) => [e.id, e]));
    expect([...byId.values()].map((e) => e.data.jobId).sort()).toEqual(sent);
    for (const r of received) expect(byId.has(String(r.headers['webhook-id']))).toBe(true);
    expect(log).toHaveLength(3);
    expect(log).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'delivered', lastStatus: 204 })]),
    );
    expect(log.some((d) => d.attempts >= 2)).toBe(true);

    // A forged body does not verify; a replay repeats a webhook-id the receiver has seen, and goes
    // stale once its timestamp is older than the verifier's five minutes.
    const [first] = received;
    if (!first) throw new Error('nothing received');
    const forged = first.body.replace('job-', 'evil-');
    expect(() => verifier.verify(forged, headersOf(first.headers))).toThrow();
    const seen = new Set(received.map((r) => r.headers['webhook-id']));
    expect(seen.has(first.headers['webhook-id'])).toBe(true);
    const stale = {
      ...headersOf(first.headers),
      'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600),
    };
    expect(() => verifier.verify(first.body, stale)).toThrow();

    // Redelivery: the same event again, same webhook-id.
    const deliveries = (await rt.call('GET', `/v1/webhooks/${id}/deliveries`)).body.items as {
      id: string;
      eventId: string;
    }[];
    const target = deliveries[0];
    if (!target) throw new Error('no delivery');
    const before = received.length;
    const again = await rt.call('POST', `/v1/webhooks/${id}/deliveries/${target.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ eventId: target.eventId, status: 'pending' });
    await eventually(async () => received.length > before, 20_000, 'the redelivery');
    expect(received.at(-1)?.headers['webhook-id']).toBe(target.eventId);
  });
});
