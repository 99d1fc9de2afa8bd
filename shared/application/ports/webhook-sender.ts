/**
 * Sends one webhook delivery: a POST of `body` to `url`, connected to `address` (an address the URL
 * rules checked; the sender never looks the name up itself, so DNS rebinding cannot move it), with the
 * URL's host name kept for the Host header and TLS. Redirects are not followed (a 3xx is the answer),
 * the whole exchange is bounded by `timeoutMs`, and only the first bytes of the answer are read.
 * Never throws for the receiver's failings: they are the outcome.
 */
export interface WebhookDelivery {
  readonly url: string;
  readonly address: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface WebhookSendOutcome {
  /** The receiver's status code; absent when there was no answer. */
  readonly status?: number;
  /** No answer: `timeout`, `connection_refused`, `connection_failed`, `tls_failed`. */
  readonly error?: 'timeout' | 'connection_refused' | 'connection_failed' | 'tls_failed';
  readonly durationMs: number;
  /** The start of the answer's body (at most `ANSWER_EXCERPT_BYTES` bytes), for the delivery log. */
  readonly answerExcerpt?: string;
}

/** How much of a receiver's answer is kept (the rest is never read). */
export const ANSWER_EXCERPT_BYTES = 1024;

/** The largest payload a delivery sends (a batched event is split before it gets this big). */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookSender {
  send(delivery: WebhookDelivery): Promise<WebhookSendOutcome>;
}
