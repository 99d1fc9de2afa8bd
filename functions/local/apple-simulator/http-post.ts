/**
 * The simulator's outbound HTTP: one JSON POST with a bearer and a timeout, over node:http(s) without
 * a keep-alive agent, so no pooled socket outlives a test. In-flight requests are tracked so `close()`
 * can abort them.
 */
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The HTTP status of the answer, or why there was none. */
export type PostResult = { readonly status: number } | { readonly error: string };

/** POSTs JSON with a bearer; resolves (never rejects) with the status or the error. */
export function postJson(
  url: string,
  bearer: string,
  body: unknown,
  timeoutMs: number,
  inflight: Set<ClientRequest>,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ error: 'invalid URL' });
      return;
    }
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      inflight.delete(req);
      resolve(result);
    };
    const req = send(target, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(payload.length),
        Authorization: `Bearer ${bearer}`,
        'User-Agent': 'AppleSimulator/1.0',
        Connection: 'close',
      },
    });
    inflight.add(req);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ error: error.message }));
    req.on('response', (res) => {
      // The answer body is irrelevant (Apple ignores it); drain it so the socket closes.
      res.resume();
      res.on('end', () => finish({ status: res.statusCode ?? 0 }));
      res.on('error', (error) => finish({ error: error.message }));
    });
    req.end(payload);
  });
}
