/**
 * One delivery attempt (deliver-webhook.ts) on fakes: the URL checked again at delivery (a name that
 * now resolves to a private address is refused and nothing is sent: DNS rebinding), the connection to
 * the checked address, the signature with every valid secret, what counts as delivered, the test event.
 */
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../../../shared/application/webhooks/deliver-webhook.ts';
import {
  createWebhook,
  rotateWebhookSecret,
} from '../../../../shared/application/webhooks/manage-webhooks.ts';
import { sendTestEvent } from '../../../../shared/application/webhooks/webhook-deliveries.ts';
import { ForbiddenError, NotFoundError } from '../../../../shared/domain/errors.ts';
import type { WebhookSubscription } from '../../../../shared/domain/webhook.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { foreignAdmin, ORG, orgAdmin, viewer } from '../../support/world.ts';

let deps: FakeDeps;
let subscription: WebhookSubscription;
let secret: string;

const event = (id = 'evt_1') => ({
  id,
  type: 'license.granted' as const,
  createdAt: '2026-03-02T09:00:00.000Z',
  orgId: ORG,
  accountId: 'account-1',
  data: { subjects: ['C02XK1'] },
});

beforeEach(async () => {
  deps = fakeDeps();
  deps.clock.set(new Date());
  deps.hosts.set('hooks.example.com', ['93.184.215.14', '2606:2800:21f:cb07::1']);
  const created = await createWebhook(deps, orgAdmin, {
    url: 'https://hooks.example.com/vpp',
    eventTypes: ['license.granted'],
    enabled: true,
  });
  secret = created.secret;
  const stored = await deps.webhooks.get(ORG, created.id);
  if (!stored) throw new Error('not stored');
  subscription = stored;
});

describe('a delivery attempt', () => {
  it('sends the signed envelope to the first checked address, the URL unchanged', async () => {
    // Act
    const attempt = await attemptDelivery(deps, subscription, event());

    // Assess
    expect(attempt).toEqual({ delivered: true, status: 200, durationMs: 5 });
    const [sent] = deps.webhookSender.sent;
    expect(sent).toMatchObject({ url: 'https://hooks.example.com/vpp', address: '93.184.215.14' });
    expect(JSON.parse(sent?.body ?? '')).toEqual(event());
    expect(new Webhook(secret).verify(sent?.body ?? '', { ...sent?.headers })).toEqual(event());
    expect(sent?.headers['webhook-id']).toBe('evt_1');
  });

  it('signs with the previous secret too for a day after a rotation, then with the current one only', async () => {
    const rotated = await rotateWebhookSecret(deps, orgAdmin, subscription.id);
    const now = (await deps.webhooks.get(ORG, subscription.id)) as WebhookSubscription;

    await attemptDelivery(deps, now, event('evt_a'));
    deps.clock.advance({ hours: 24 });
    await attemptDelivery(deps, now, event('evt_b'));

    const [during, after] = deps.webhookSender.sent;
    for (const key of [secret, rotated.secret])
      expect(() => new Webhook(key).verify(during?.body ?? '', { ...during?.headers }), key).not.toThrow();
    expect(after?.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(() => new Webhook(secret).verify(after?.body ?? '', { ...after?.headers })).toThrow();
  });

  it('is refused, sending nothing, when the name resolves to a refused address now (DNS rebinding)', async () => {
    deps.hosts.set('hooks.example.com', ['93.184.215.14', '169.254.169.254']);
    expect(await attemptDelivery(deps, subscription, event())).toEqual({
      delivered: false,
      refused: 'hooks.example.com resolves to 169.254.169.254 is a link-local address',
      durationMs: 0,
    });
    deps.hosts.set('hooks.example.com', new Error('ESERVFAIL'));
    expect((await attemptDelivery(deps, subscription, event())).refused).toBe(
      'hooks.example.com does not resolve',
    );
    expect(deps.webhookSender.sent).toEqual([]);
  });

  it.each([
    [{ status: 204 }, true],
    [{ status: 302 }, false],
    [{ status: 410 }, false],
    [{ status: 500 }, false],
    [{ error: 'timeout' as const }, false],
    [{ error: 'connection_refused' as const }, false],
  ])('counts %j as delivered: %s', async (answer, delivered) => {
    deps.webhookSender.answer = answer;
    expect(await attemptDelivery(deps, subscription, event())).toEqual({
      delivered,
      ...answer,
      durationMs: 5,
    });
  });
});

describe('the test event', () => {
  it('goes to the subscription, paused or not, as webhook.test', async () => {
    await deps.webhooks.update({ ...subscription, enabled: false, updatedAt: 'later' }, subscription);
    const attempt = await sendTestEvent(deps, orgAdmin, subscription.id);
    expect(attempt.delivered).toBe(true);
    const body = JSON.parse(deps.webhookSender.sent[0]?.body ?? '');
    expect(body).toMatchObject({
      type: 'webhook.test',
      orgId: ORG,
      data: { subscriptionId: subscription.id },
    });
    expect(body.id).toMatch(/^evt_/);
  });

  it('is for org-admins, inside their organisation', async () => {
    await expect(sendTestEvent(deps, viewer, subscription.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(sendTestEvent(deps, foreignAdmin, subscription.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.webhookSender.sent).toEqual([]);
  });
});
