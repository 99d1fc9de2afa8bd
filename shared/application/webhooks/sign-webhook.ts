/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the bytes of each secret. Every
 * secret still valid signs, so a receiver that has the current secret, or the previous one during the
 * day after a rotation, verifies the same delivery. A receiver that rejects old timestamps and
 * remembers ids sees a replay for what it is; a redelivery keeps its id (the same event, twice).
 */
import { createHmac } from 'node:crypto';
import { WebhookSecretSchema } from '../../domain/webhook.ts';

export type SignedWebhook = Readonly<
  Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>
>;

export function signWebhook(input: {
  id: string;
  at: Date;
  body: string;
  secrets: readonly string[];
}): SignedWebhook {
  if (input.secrets.length === 0) throw new Error('A webhook is signed with at least one secret.');
  const timestamp = String(Math.floor(input.at.getTime() / 1000));
  const content = `${input.id}.${timestamp}.${input.body}`;
  const signatures = input.secrets.map((secret) => {
    const key = Buffer.from(WebhookSecretSchema.parse(secret).slice('whsec_'.length), 'base64');
    return `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
  });
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}
