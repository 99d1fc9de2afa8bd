/** `Mailer` on Amazon SES (v2 API): one message with a text and an HTML part. */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailMessage, Mailer } from '../../application/ports/mailer.ts';

export class SesMailer implements Mailer {
  readonly #client: SESv2Client;
  readonly #sender: string;
  readonly #configurationSet: string | undefined;

  constructor(client: SESv2Client, sender: string, configurationSet?: string) {
    this.#client = client;
    this.#sender = sender;
    this.#configurationSet = configurationSet;
  }

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const answer = await this.#client.send(
      new SendEmailCommand({
        FromEmailAddress: this.#sender,
        Destination: { ToAddresses: [message.to] },
        ...(this.#configurationSet ? { ConfigurationSetName: this.#configurationSet } : {}),
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
    return { messageId: answer.MessageId ?? 'unknown' };
  }
}
