/**
 * `WebhookSender` over node:http and node:https. The connection goes to the checked address: the
 * request's `lookup` answers that address for the URL's host name, so nothing is resolved here (DNS
 * rebinding between the check and the connection cannot redirect it), while the Host header and the
 * TLS server name (SNI, certificate check) stay the URL's. No agent (no pooled connection to another
 * address), no redirect following (node's client never follows), one deadline for the whole exchange,
 * and at most `ANSWER_EXCERPT_BYTES` of the answer read before the connection is closed.
 */
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  ANSWER_EXCERPT_BYTES,
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookDelivery,
  type WebhookSender,
  type WebhookSendOutcome,
} from '../../application/ports/webhook-sender.ts';

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/;

type Failure = NonNullable<WebhookSendOutcome['error']>;

function failureOf(error: unknown): Failure {
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'ETIMEDOUT_DELIVERY') return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (TLS_CODES.test(code)) return 'tls_failed';
  return 'connection_failed';
}

export class HttpWebhookSender implements WebhookSender {
  readonly #userAgent: string;
  /** Extra TLS options (tests: the local receiver's certificate authority). */
  readonly #tls: https.RequestOptions;

  constructor(options: { userAgent?: string; tls?: https.RequestOptions } = {}) {
    this.#userAgent = options.userAgent ?? 'vpp-manager-webhooks/0.1';
    this.#tls = options.tls ?? {};
  }

  send(delivery: WebhookDelivery): Promise<WebhookSendOutcome> {
    const size = Buffer.byteLength(delivery.body, 'utf8');
    if (size > MAX_WEBHOOK_BODY_BYTES)
      throw new Error(`A webhook body of ${size} bytes is over ${MAX_WEBHOOK_BODY_BYTES}: split it first.`);
    const url = new URL(delivery.url);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(delivery.address);
    if (family === 0) throw new Error('A webhook is sent to a checked IP address.');
    const started = Date.now();
    const elapsed = () => Date.now() - started;

    return new Promise<WebhookSendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<WebhookSendOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ ...outcome, durationMs: elapsed() });
      };
      const options: https.RequestOptions = {
        method: 'POST',
        agent: false,
        headers: {
          ...delivery.headers,
          'content-type': 'application/json',
          'content-length': String(size),
          'user-agent': this.#userAgent,
        },
        // The checked address, whatever the name resolves to now.
        lookup: (_name, lookupOptions, callback) => {
          const found: LookupAddress = { address: delivery.address, family };
          if ((lookupOptions as { all?: boolean }).all)
            (callback as (e: null, a: LookupAddress[]) => void)(null, [found]);
          else (callback as (e: null, a: string, f: number) => void)(null, found.address, family);
        },
        ...(url.protocol === 'https:' ? { ...this.#tls, ...(isIP(host) ? {} : { servername: host }) } : {}),
      };
      const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
        const status = response.statusCode;
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () =>
          finish({
            ...(status !== undefined ? { status } : {}),
            answerExcerpt: Buffer.concat(chunks).subarray(0, ANSWER_EXCERPT_BYTES).toString('utf8'),
          });
        response.on('data', (chunk: Buffer) => {
          if (kept < ANSWER_EXCERPT_BYTES) {
            chunks.push(chunk.subarray(0, ANSWER_EXCERPT_BYTES - kept));
            kept += Math.min(chunk.length, ANSWER_EXCERPT_BYTES - kept);
          }
          if (kept >= ANSWER_EXCERPT_BYTES) {
            // Enough: the rest is never read.
            done();
            response.destroy();
            request.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
        response.on('close', done);
      });
      const deadline = setTimeout(() => {
        request.destroy(
          Object.assign(new Error('webhook delivery timed out'), { code: 'ETIMEDOUT_DELIVERY' }),
        );
      }, delivery.timeoutMs);
      request.on('error', (error) => finish({ error: failureOf(error) }));
      request.end(delivery.body);
    });
  }
}
