/** Webhook secrets (webhook.ts): the Standard Webhooks format, and which secrets verify after a rotation. */
import { describe, expect, it } from 'vitest';
import {
  rotatedSecrets,
  validSecrets,
  WEBHOOK_EVENT_TYPES,
  WebhookEventTypeSchema,
  WebhookSecretSchema,
  WebhookSubscriptionSchema,
  webhookSecretOf,
} from '../../../shared/domain/webhook.ts';

describe('webhook secrets', () => {
  it('are whsec_ and the standard base64 of the random bytes', () => {
    const bytes = new Uint8Array(32).map((_, i) => i * 7 + 250);
    const secret = webhookSecretOf(bytes);
    expect(secret.startsWith('whsec_')).toBe(true);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toEqual(Buffer.from(bytes));
    expect(WebhookSecretSchema.safeParse(secret).success).toBe(true);
  });

  it('take 24 to 64 bytes', () => {
    expect(() => webhookSecretOf(new Uint8Array(23))).toThrow(/24 to 64/);
    expect(() => webhookSecretOf(new Uint8Array(65))).toThrow(/24 to 64/);
    expect(WebhookSecretSchema.safeParse(webhookSecretOf(new Uint8Array(24))).success).toBe(true);
  });

  it.each([
    ['no prefix', Buffer.alloc(32).toString('base64')],
    ['base64url instead of base64', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
    ['too short', `whsec_${Buffer.alloc(16).toString('base64')}`],
    ['not base64', 'whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'],
    ['empty', 'whsec_'],
  ])('refuse a stored value with %s', (_name, value) => {
    expect(WebhookSecretSchema.safeParse(value).success).toBe(false);
  });

  it('keep the previous secret valid for 24 hours after a rotation, then only the current one', () => {
    // Prepare
    const first = webhookSecretOf(new Uint8Array(32).fill(1));
    const second = webhookSecretOf(new Uint8Array(32).fill(2));
    const third = webhookSecretOf(new Uint8Array(32).fill(3));
    const at = new Date('2026-03-02T09:00:00.000Z');

    // Act
    const rotated = rotatedSecrets({ current: first }, second, at);
    const again = rotatedSecrets(rotated, third, new Date('2026-03-02T10:00:00.000Z'));

    // Assess
    expect(rotated).toEqual({
      current: second,
      previous: { secret: first, expiresAt: '2026-03-03T09:00:00.000Z' },
    });
    expect(validSecrets(rotated, new Date('2026-03-03T08:59:59.999Z'))).toEqual([second, first]);
    expect(validSecrets(rotated, new Date('2026-03-03T09:00:00.000Z'))).toEqual([second]);
    // A second rotation keeps one previous secret: the one it replaced.
    expect(validSecrets(again, new Date('2026-03-02T11:00:00.000Z'))).toEqual([third, second]);
  });
});

describe('webhook subscriptions', () => {
  it('know the fifteen event types of issue 18', () => {
    expect(WEBHOOK_EVENT_TYPES).toHaveLength(15);
    expect(WebhookEventTypeSchema.safeParse('license.granted').success).toBe(true);
    expect(WebhookEventTypeSchema.safeParse('license.GRANTED').success).toBe(false);
  });

  it('have no field for a secret: one given is dropped when the record is parsed', () => {
    const parsed = WebhookSubscriptionSchema.parse({
      id: 'w-1',
      orgId: 'org-1',
      url: 'https://hooks.example.com/',
      eventTypes: ['job.finished'],
      enabled: true,
      createdBy: 'admin@example.test',
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      secretVersion: 1,
      secret: 'whsec_leak',
    });
    expect(parsed).not.toHaveProperty('secret');
  });
});
