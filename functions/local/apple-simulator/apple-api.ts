/**
 * The `/mdm/v2/*` pipeline, in the order a request meets it:
 * 1. route (unknown path → 404 `{errorNumber: 9602, errorMessage: "Unknown endpoint"}`; Apple's own
 *    answer is undocumented, reference §14 / §13.4), then the call is counted;
 * 2. faults (slow, then an answering fault instead of the endpoint);
 * 3. method (9726/405), authentication (9722, 9622|9601, 9625, 9621 — all 401);
 * 4. rate limit per location (9646/429 with `Retry-After: 1`);
 * 5. POST only: `Content-Type: application/json` (9727/415) and a parseable body (9602/400);
 * 6. the handler; its answer gets `uId`, `tokenExpirationDate` (always, `+0000`) and `mdmInfo` (once set).
 * A `legacy200` fault turns every error status into 200 with the same body.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { formatAppleDate } from '#domain/apple-date.ts';
import { AppleError } from './apple-error.ts';
import { authenticate } from './auth.ts';
import { limit, type SimulatorContext } from './context.ts';
import type { FaultDecision } from './faults.ts';
import { serviceConfig } from './handlers/service-config.ts';
import { BodyTooLargeError, readBody, send, sendJson, sleep } from './http-io.ts';
import { APPLE_ROUTES } from './routes.ts';
import type { LocationRecord, TokenRecord } from './state.ts';
import type { FaultRule } from './types.ts';

/** Counts one request for `calls()` under `'<METHOD> <path>'`. */
export function countCall(ctx: SimulatorContext, key: string): void {
  ctx.calls.set(key, (ctx.calls.get(key) ?? 0) + 1);
}

/** The metadata every authenticated answer carries (reference §2.4). */
export function responseMeta(location: LocationRecord, token: TokenRecord): object {
  return {
    uId: location.uId,
    tokenExpirationDate: formatAppleDate(new Date(token.expiresAt)),
    ...(location.mdmInfo && { mdmInfo: { ...location.mdmInfo } }),
  };
}

/** Serves one request under `/mdm/v2/`; `path` is relative to it. */
export async function handleAppleApi(
  ctx: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const route = APPLE_ROUTES.get(path);
  if (!route) {
    sendJson(res, 404, { errorNumber: 9602, errorMessage: 'Unknown endpoint' });
    return;
  }
  const key = `${method} ${path}`;
  countCall(ctx, key);
  const faults = ctx.faults.decide(key, true);
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const sent = faults.legacy200 && status >= 400 ? 200 : status;
    ctx.log(`${key} → ${sent}`);
    sendJson(res, sent, body, headers);
  };
  const fail = (error: AppleError, headers: Record<string, string> = {}): void =>
    reply(error.httpStatus, error.body(), headers);

  try {
    if (faults.delayMs > 0) await sleep(faults.delayMs, ctx.closing);
    if (ctx.closing.aborted) {
      req.socket.destroy();
      return;
    }
    if (faults.terminal) {
      answerFault(ctx, req, res, key, faults.terminal, faults);
      return;
    }
    const raw = await readBody(req).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        throw new AppleError(9602, { httpStatus: 413, message: 'Invalid argument: the body is too large.' });
      }
      throw error;
    });
    if (path === 'service/config') {
      if (method !== 'GET') throw new AppleError(9726);
      reply(200, serviceConfig(ctx));
      return;
    }
    const handler = method === 'GET' || method === 'POST' ? route.methods[method] : undefined;
    if (!handler) throw new AppleError(9726);
    const { location, token } = authenticate(ctx, req.headers.authorization);
    const refused =
      ctx.options.enforceRateLimit && !ctx.rateLimiter.allow(location.id, limit(ctx, 'maxRequestPerSecond'));
    ctx.requests.record({
      location: location.id,
      at: ctx.now().getTime(),
      endpoint: `${method} ${path}`,
      refused,
    });
    if (refused) {
      fail(new AppleError(9646), { 'Retry-After': '1' });
      return;
    }
    let body: unknown;
    if (method === 'POST') {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType !== 'application/json') throw new AppleError(9727);
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AppleError(9602, { message: 'Invalid argument: the body is not valid JSON.' });
      }
    }
    const answer = await handler(ctx, { method, path, query, body, location, token });
    if (faults.acceptThenFail) {
      // The work is done (event accepted, config stored...) but the client learns nothing of it. An
      // Apple error body would say "refused, nothing processed" (reference §8.1), so by default the
      // answer is a bare server error page, as a failing front end would give.
      answerServerError(ctx, res, key, faults.acceptThenFail, faults);
      return;
    }
    const meta = responseMeta(location, token) as { mdmInfo?: unknown };
    if (route.withoutMdmInfo) delete meta.mdmInfo;
    reply(200, { ...answer, ...meta });
  } catch (error) {
    if (error instanceof AppleError) fail(error);
    else {
      ctx.log(`${key} failed: ${error instanceof Error ? error.message : String(error)}`);
      fail(new AppleError(9603));
    }
  }
}

function retryAfter(rule: FaultRule): Record<string, string> {
  return rule.retryAfter === undefined ? {} : { 'Retry-After': rule.retryAfter };
}

/** Answers for a fault that replaces the endpoint. */
export function answerFault(
  ctx: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  rule: FaultRule,
  faults: FaultDecision,
): void {
  const status = (wanted: number): number => (faults.legacy200 ? 200 : wanted);
  switch (rule.kind) {
    case 'drop_connection':
      ctx.log(`${key} → connection dropped (fault)`);
      req.socket.destroy();
      return;
    case 'throttle': {
      const error = new AppleError(rule.errorNumber ?? 9646, { httpStatus: rule.status ?? 429 });
      ctx.log(`${key} → ${error.httpStatus} (fault)`);
      sendJson(res, status(error.httpStatus), error.body(), { 'Retry-After': rule.retryAfter ?? '1' });
      return;
    }
    case 'unavailable': {
      const error = new AppleError(rule.errorNumber ?? 9729, { httpStatus: rule.status ?? 503 });
      ctx.log(`${key} → ${error.httpStatus} (fault)`);
      sendJson(res, status(error.httpStatus), error.body(), retryAfter(rule));
      return;
    }
    default:
      answerServerError(ctx, res, key, rule, faults);
  }
}

/** A 5xx: Apple's JSON when the rule gives an error number, else a gateway's HTML page (no Apple body). */
function answerServerError(
  ctx: SimulatorContext,
  res: ServerResponse,
  key: string,
  rule: FaultRule,
  faults: FaultDecision,
): void {
  const code = rule.status ?? 500;
  ctx.log(`${key} → ${code} (fault)`);
  if (rule.errorNumber !== undefined) {
    const error = new AppleError(rule.errorNumber, { httpStatus: code });
    sendJson(res, faults.legacy200 ? 200 : code, error.body(), retryAfter(rule));
    return;
  }
  const text = `${code} ${STATUS_CODES[code] ?? 'Error'}`;
  send(res, code, 'text/html; charset=utf-8', `<html><body><h1>${text}</h1></body></html>`, retryAfter(rule));
}
