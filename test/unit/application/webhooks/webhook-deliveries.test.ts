/**
 * Events out on fakes (webhook-deliveries.ts): the fan-out to the subscriptions that want an event,
 * the attempts through the webhooks queue with the configured backoff (waits past 900 s chained), the
 * failed delivery after the last wait, the pause of a subscription failing for a day and the e-mail to
 * its creator, the delivery log and redelivery, the payloads.
 */
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { createWebhook, updateWebhook } from '../../../../shared/application/webhooks/manage-webhooks.ts';
import {
  listDeliveries,
  publishEvent,
  redeliver,
  runDelivery,
} from '../../../../shared/application/webhooks/webhook-deliveries.ts';
import { ForbiddenError, ValidationError } from '../../../../shared/domain/errors.ts';
import type { WebhookEventType } from '../../../../shared/domain/webhook.ts';
import { FAKE_SETTINGS, type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { must, ORG, orgAdmin, viewer } from '../../support/world.ts';

let deps: FakeDeps;

const granted = {
  jobId: 'job-1',
  asset: { adamId: '361309726', pricingParam: 'STDQ' },
  subjects: [
    { type: 'device' as const, id: 'C02XK1' },
    { type: 'device' as const, id: 'C02XK2' },
  ],
  at: '2026-03-02T09:00:00.000Z',
};

async function subscribe(
  eventTypes: WebhookEventType[] = ['license.granted'],
  over: { accountIds?: string[]; enabled?: boolean; host?: string } = {},
) {
  const host = over.host ?? 'hooks.example.com';
  deps.hosts.set(host, ['93.184.215.14']);
  return createWebhook(deps, orgAdmin, {
    url: `https://${host}/vpp`,
    eventTypes,
    enabled: over.enabled ?? true,
    ...(over.accountIds ? { accountIds: over.accountIds } : {}),
  });
}

/** Runs every webhooks message due, as the worker would, until the queue is empty or `limit` rounds. */
async function drain(limit = 50): Promise<number> {
  let runs = 0;
  for (let round = 0; round < limit; round++) {
    const taken = deps.queue.take('webhooks');
    if (taken.length === 0) break;
    for (const sent of taken) {
      if (sent.delaySeconds) deps.clock.advance({ seconds: sent.delaySeconds });
      await runDelivery(deps, sent.message);
      runs++;
    }
  }
  return runs;
}

beforeEach(() => {
  deps = fakeDeps({ settings: { ...FAKE_SETTINGS, webhookRetrySeconds: [30, 120, 1800] } });
  // Now: the receiver's library refuses timestamps more than five minutes off.
  deps.clock.set(new Date());
});

describe('the fan-out', () => {
  it('makes one delivery per enabled subscription that wants the type and the account', async () => {
    // Arrange
    const all = await subscribe(['license.granted']);
    const filtered = await subscribe(['license.granted'], { host: 'a.example.com' });
    await deps.webhooks.update(
      { ...must(await deps.webhooks.get(ORG, filtered.id)), accountIds: ['account-2'] },
      must(await deps.webhooks.get(ORG, filtered.id)),
    );
    await subscribe(['license.revoked'], { host: 'b.example.com' });
    await subscribe(['license.granted'], { host: 'c.example.com', enabled: false });

    // Act
    const made = await publishEvent(deps, {
      type: 'license.granted',
      orgId: ORG,
      accountId: 'account-1',
      data: granted,
    });

    // Assess
    expect(made).toBe(1);
    expect(deps.webhookDeliveries.all().map((d) => d.webhookId)).toEqual([all.id]);
    expect(deps.queue.messages('webhooks')).toEqual([
      expect.objectContaining({ webhookId: all.id, attempt: 1 }),
    ]);
  });

  it('writes and sends nothing when no subscription wants the event', async () => {
    // Act
    const made = await publishEvent(deps, {
      type: 'job.finished',
      orgId: ORG,
      data: { jobId: 'j', kind: 'sync', status: 'succeeded', at: granted.at },
    });

    // Assess
    expect(made).toBe(0);
    expect(deps.queue.sent).toEqual([]);
    expect(deps.webhookDeliveries.all()).toEqual([]);
  });

  it('makes the same delivery once when a step publishes its event twice with the same key', async () => {
    // Arrange
    await subscribe();
    const publish = () =>
      publishEvent(deps, {
        type: 'license.granted',
        orgId: ORG,
        accountId: 'account-1',
        data: granted,
        key: 'job-1:0',
      });

    // Act
    await publish();
    await drain();
    await publish();

    // Assess
    expect(deps.webhookDeliveries.all()).toHaveLength(1);
    expect(deps.queue.sent).toEqual([]);
    expect(deps.webhookSender.sent).toHaveLength(1);
  });

  it('refuses a payload that is not its type’s shape', async () => {
    // Arrange
    await subscribe();

    // Act
    const publish = publishEvent(deps, {
      type: 'license.granted',
      orgId: ORG,
      data: { jobId: 'job-1' } as never,
    });

    // Assess
    await expect(publish).rejects.toThrow();
    expect(deps.webhookDeliveries.all()).toEqual([]);
  });
});

describe('the attempts', () => {
  it('delivers the signed envelope, one attempt, the log saying so', async () => {
    // Arrange
    const { id, secret } = await subscribe();
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });

    // Act
    await drain();

    // Assess
    const [sent] = deps.webhookSender.sent;
    const body = new Webhook(secret).verify(sent?.body ?? '', { ...sent?.headers }) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      type: 'license.granted',
      orgId: ORG,
      accountId: 'account-1',
      data: granted,
    });
    expect(sent?.headers['webhook-id']).toBe(body.id);
    const page = await listDeliveries(deps, viewer, id, { limit: 10 });
    expect(page.items).toEqual([
      expect.objectContaining({
        status: 'delivered',
        attempts: 1,
        lastStatus: 200,
        lastDurationMs: 5,
        eventId: body.id,
      }),
    ]);
  });

  it('retries on the schedule with the same webhook-id, then marks the delivery failed', async () => {
    // Arrange
    const { id } = await subscribe();
    deps.webhookSender.answer = { status: 500 };
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    const start = Math.floor(deps.clock.now().getTime() / 1000);

    // Act
    await drain();

    // Assess: 1 + 3 attempts, at 0, 30, 150 and 1950 s (the 1800 s wait chained through 900 s hops)
    const sentAt = deps.webhookSender.sent.map((s) => Number(s.headers['webhook-timestamp']) - start);
    expect(sentAt).toEqual([0, 30, 150, 1950]);
    expect(new Set(deps.webhookSender.sent.map((s) => s.headers['webhook-id'])).size).toBe(1);
    const [delivery] = (await listDeliveries(deps, viewer, id, { limit: 10 })).items;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 500, lastError: 'not_2xx' });
  });

  it('recovers after failures: the next 2xx delivers and the subscription is no longer failing', async () => {
    // Arrange
    const { id } = await subscribe();
    deps.webhookSender.answer = { error: 'connection_refused' };
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    const [first] = deps.queue.take('webhooks');
    await runDelivery(deps, must(first).message);
    expect((await deps.webhooks.get(ORG, id))?.failingSince).toBe(deps.clock.iso());

    // Act
    deps.webhookSender.answer = { status: 204 };
    await drain();

    // Assess
    const [delivery] = deps.webhookDeliveries.all();
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });
    expect((await deps.webhooks.get(ORG, id))?.failingSince).toBeUndefined();
  });

  it('drops a message the record has moved past (a duplicate receive)', async () => {
    // Arrange
    await subscribe();
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    const [first] = deps.queue.take('webhooks');
    await runDelivery(deps, must(first).message);

    // Act
    await runDelivery(deps, must(first).message);

    // Assess
    expect(deps.webhookSender.sent).toHaveLength(1);
  });

  it('fails a delivery of a paused subscription without sending', async () => {
    // Arrange
    const { id } = await subscribe();
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    await updateWebhook(deps, orgAdmin, id, { enabled: false });

    // Act
    await drain();

    // Assess
    expect(deps.webhookSender.sent).toEqual([]);
    expect(deps.webhookDeliveries.all()[0]).toMatchObject({
      status: 'failed',
      lastError: 'subscription_paused',
    });
  });
});

describe('the pause rule', () => {
  it('pauses a subscription failing for a day and e-mails its creator once', async () => {
    // Arrange
    const { id } = await subscribe();
    deps.webhookSender.answer = { status: 503 };
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    await drain();
    expect((await deps.webhooks.get(ORG, id))?.enabled).toBe(true);

    // Act: a day later, the next event fails too
    deps.clock.advance({ hours: 24 });
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    await drain();

    // Assess
    const paused = await deps.webhooks.get(ORG, id);
    expect(paused).toMatchObject({ enabled: false, pausedAt: expect.any(String) });
    expect(deps.mailer.outbox).toEqual([
      expect.objectContaining({ to: orgAdmin.email, subject: '[VPP Manager] webhook subscription paused' }),
    ]);
    expect(deps.mailer.outbox[0]?.text).not.toContain('/vpp');
  });

  it('does not pause a subscription failing for less than a day', async () => {
    // Arrange
    const { id } = await subscribe();
    deps.webhookSender.answer = { status: 500 };
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    const [first] = deps.queue.take('webhooks');
    await runDelivery(deps, must(first).message);

    // Act: an hour less than a day after the first failure
    deps.clock.advance({ hours: 23 });
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'account-1', data: granted });
    await drain();

    // Assess
    expect((await deps.webhooks.get(ORG, id))?.enabled).toBe(true);
    expect(deps.mailer.outbox).toEqual([]);
  });

  it('clears the streak when an org-admin enables it again', async () => {
    // Arrange
    const { id } = await subscribe();
    const stored = must(await deps.webhooks.get(ORG, id));
    await deps.webhooks.update(
      { ...stored, enabled: false, failingSince: granted.at, pausedAt: granted.at, updatedAt: 'x' },
      stored,
    );

    // Act
    const resumed = await updateWebhook(deps, orgAdmin, id, { enabled: true });

    // Assess
    expect(resumed.enabled).toBe(true);
    expect(resumed).not.toHaveProperty('failingSince');
    expect(resumed).not.toHaveProperty('pausedAt');
  });
});

describe('the log and redelivery', () => {
  it('pages the log newest first', async () => {
    // Arrange
    const { id } = await subscribe();
    for (let i = 0; i < 3; i++) {
      await publishEvent(deps, {
        type: 'license.granted',
        orgId: ORG,
        accountId: 'a',
        data: { ...granted, jobId: `job-${i}` },
      });
      deps.clock.advance({ seconds: 1 });
    }

    // Act
    const first = await listDeliveries(deps, viewer, id, { limit: 2 });
    const second = await listDeliveries(deps, viewer, id, { limit: 2, cursor: first.nextCursor });

    // Assess
    const batches = [...first.items, ...second.items].map((d) => d.createdAt);
    expect(batches).toEqual([...batches].sort().reverse());
    expect(second.nextCursor).toBeUndefined();
    await expect(listDeliveries(deps, viewer, id, { limit: 2, cursor: 'nonsense' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('redelivers an event as a new delivery with the same webhook-id (org-admin only)', async () => {
    // Arrange
    const { id } = await subscribe();
    await publishEvent(deps, { type: 'license.granted', orgId: ORG, accountId: 'a', data: granted });
    await drain();
    const [original] = deps.webhookDeliveries.all();

    // Act
    await expect(redeliver(deps, viewer, id, must(original).id)).rejects.toBeInstanceOf(ForbiddenError);
    const again = await redeliver(deps, orgAdmin, id, must(original).id);
    await drain();

    // Assess
    expect(again.id).not.toBe(must(original).id);
    expect(again.eventId).toBe(must(original).event.id);
    const ids = deps.webhookSender.sent.map((s) => s.headers['webhook-id']);
    expect(ids).toEqual([must(original).event.id, must(original).event.id]);
    await expect(redeliver(deps, orgAdmin, id, 'dlv_none')).rejects.toMatchObject({
      code: 'webhook.delivery_not_found',
    });
  });
});
