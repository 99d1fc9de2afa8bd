/** Sends e-mail (SES in AWS, an SES stand-in locally). */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  send(message: EmailMessage): Promise<{ messageId: string }>;
}
