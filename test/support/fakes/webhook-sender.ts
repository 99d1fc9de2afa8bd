/** Records every delivery it is given and answers what the test set (200 by default); connects nowhere. */
import type {
  WebhookDelivery,
  WebhookSender,
  WebhookSendOutcome,
} from '../../../shared/application/ports/webhook-sender.ts';

export class RecordingWebhookSender implements WebhookSender {
  readonly sent: WebhookDelivery[] = [];
  answer: Omit<WebhookSendOutcome, 'durationMs'> = { status: 200 };

  async send(delivery: WebhookDelivery): Promise<WebhookSendOutcome> {
    this.sent.push(delivery);
    return { ...this.answer, durationMs: 5 };
  }
}
