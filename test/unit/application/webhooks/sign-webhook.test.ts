/**
 * Standard Webhooks signatures (sign-webhook.ts), checked by the `standardwebhooks` package as a
 * receiver would: with the current secret, with the previous one after a rotation, and never a forged,
 * altered or replayed delivery.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../../shared/application/webhooks/sign-webhook.ts';
import { webhookSecretOf } from '../../../../shared/domain/webhook.ts';

const current = webhookSecretOf(new Uint8Array(32).map((_, i) => i + 1));
const previous = webhookSecretOf(new Uint8Array(32).map((_, i) => 255 - i));
const other = webhookSecretOf(new Uint8Array(32).fill(9));
const body = JSON.stringify({ id: 'evt_1', type: 'license.granted', data: { subjects: ['C02XK1'] } });

describe('signWebhook', () => {
  it('signs so that the standardwebhooks package verifies it', () => {
    const headers = signWebhook({ id: 'evt_1', at: new Date(), body, secrets: [current] });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('matches the package’s own signature byte for byte', () => {
    const at = new Date('2026-03-02T09:00:00.000Z');
    const headers = signWebhook({ id: 'evt_1', at, body, secrets: [current] });
    expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    expect(headers['webhook-signature']).toBe(new Webhook(current).sign('evt_1', at, body));
  });

  it('signs with every valid secret: a receiver with the current or the previous one verifies', () => {
    const headers = signWebhook({ id: 'evt_2', at: new Date(), body, secrets: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
  });

  it('is detected when forged, altered, re-addressed or replayed', () => {
    const at = new Date();
    const headers = signWebhook({ id: 'evt_3', at, body, secrets: [current] });
    const receiver = new Webhook(current);
    // Signed with another secret.
    expect(() => receiver.verify(body, signWebhook({ id: 'evt_3', at, body, secrets: [other] }))).toThrow();
    // The body or the id changed after signing.
    expect(() => receiver.verify(body.replace('C02XK1', 'C02XK2'), headers)).toThrow();
    expect(() => receiver.verify(body, { ...headers, 'webhook-id': 'evt_4' })).toThrow();
    // An old delivery sent again (the package refuses timestamps more than 5 minutes off).
    const old = signWebhook({
      id: 'evt_3',
      at: new Date(at.getTime() - 10 * 60_000),
      body,
      secrets: [current],
    });
    expect(() => receiver.verify(body, old)).toThrow(/timestamp/i);
  });

  it('needs a secret', () => {
    expect(() => signWebhook({ id: 'evt_5', at: new Date(), body, secrets: [] })).toThrow();
  });
});
