/**
 * The HTTP wrapper: one middy stack for every API function. A function file binds route contracts
 * (shared/api) to use cases; this wrapper does the rest in one place: routing by `routeKey`, the
 * caller's principal from the JWT authorizer's claims, body parsing and zod validation, the
 * `Idempotency-Key` of job-starting POSTs, the SPEC's error format, security headers, and Powertools
 * logging, metrics and tracing.
 */
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { JobAccess, RouteContract } from '../../shared/api/route.ts';
import { loadAccountFor } from '../../shared/application/accounts/account-access.ts';
import type { Deps } from '../../shared/composition/deps.ts';
import { DomainError, ValidationError } from '../../shared/domain/errors.ts';
import { type Principal, PrincipalSchema, requireRole } from '../../shared/domain/principal.ts';
import { getDeps } from './deps.ts';
import { toErrorAnswer } from './errors.ts';
import { logger, metrics, publishMetrics, tracer } from './powertools.ts';

type Output<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface HttpRequest<C extends RouteContract> {
  readonly deps: Deps;
  /** The caller (JWT routes only). */
  readonly principal: C['auth'] extends 'jwt' ? Principal : undefined;
  readonly params: Output<C['params']>;
  readonly query: Output<C['query']>;
  readonly body: Output<C['body']>;
  /** The body as sent (routes with `bodyType: 'raw'`). */
  readonly rawBody: string | undefined;
  /** The uploaded file (routes with `bodyType: 'file'`): its bytes and lower-case media type. */
  readonly file: UploadedFile | undefined;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
}

export interface UploadedFile {
  readonly bytes: Buffer;
  readonly contentType: string;
}

export interface HttpResult {
  readonly status?: number;
  /** JSON answer. */
  readonly body?: unknown;
  /** An HTML page instead of JSON. */
  readonly html?: string;
  /** A CSV file instead of JSON. */
  readonly csv?: { readonly filename: string; readonly content: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteBinding {
  readonly contract: RouteContract;
  readonly handle: (request: HttpRequest<RouteContract>) => Promise<HttpResult>;
}

/** Binds a contract to the code that serves it; types of params, query and body flow from the contract. */
export const bind = <C extends RouteContract>(
  contract: C,
  handle: (request: HttpRequest<C>) => Promise<HttpResult>,
): RouteBinding => ({
  contract,
  handle: handle as unknown as RouteBinding['handle'],
});

const JSON_SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Pages may style themselves inline and post their own forms; nothing else. */
const HTML_SECURITY_HEADERS = {
  ...JSON_SECURITY_HEADERS,
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function answer(result: HttpResult, requestId: string): APIGatewayProxyStructuredResultV2 {
  const status = result.status ?? 200;
  if (result.html !== undefined) {
    return {
      statusCode: status,
      headers: {
        ...HTML_SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'x-request-id': requestId,
        ...result.headers,
      },
      body: result.html,
    };
  }
  if (result.csv !== undefined) {
    return {
      statusCode: status,
      headers: {
        ...JSON_SECURITY_HEADERS,
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${result.csv.filename}"`,
        'x-request-id': requestId,
        ...result.headers,
      },
      body: result.csv.content,
    };
  }
  return {
    statusCode: status,
    headers: {
      ...JSON_SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
      ...result.headers,
    },
    ...(result.body === undefined ? {} : { body: JSON.stringify(result.body) }),
  };
}

export function errorResult(error: unknown): HttpResult {
  const e = toErrorAnswer(error);
  return {
    status: e.status,
    body: { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } },
    ...(e.headers ? { headers: e.headers } : {}),
  };
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function uploadedFile(
  contract: RouteContract,
  event: APIGatewayProxyEventV2,
  headers: Record<string, string>,
): UploadedFile | undefined {
  if (contract.bodyType !== 'file') return undefined;
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ValidationError('request.body_missing', 'This request needs the file as its body.');
  }
  return {
    bytes: Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
    contentType: (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
  };
}

function parseBody(
  contract: RouteContract,
  event: APIGatewayProxyEventV2,
  headers: Record<string, string>,
): unknown {
  const type = contract.bodyType ?? (contract.body ? 'json' : 'none');
  if (type === 'none' || type === 'file') return {};
  const text = rawBody(event);
  if (type === 'raw') return text ?? '';
  const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const expected = { json: 'application/json', csv: 'text/csv', form: 'application/x-www-form-urlencoded' }[
    type
  ];
  if (text === undefined || text === '') {
    if (type === 'form') return {};
    throw new ValidationError('request.body_missing', `This request needs a ${expected} body.`);
  }
  if (contentType !== expected) {
    throw new DomainError(
      'unsupported',
      'request.unsupported_media_type',
      `Send the body as ${expected} (Content-Type: ${expected}).`,
    );
  }
  if (type === 'csv') return text;
  if (type === 'form') return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('request.malformed_json', 'The body is not valid JSON.');
  }
}

/** No id of ours is longer, and none holds a control character, a percent sign or U+FFFD. */
const MAX_PATH_PARAMETER = 256;
// With the u flag, [\uD800-\uDFFF] matches only a lone surrogate (a pair is one code point).
const UNDECODED_OR_BROKEN = /[%\p{Cc}\uFFFD\uD800-\uDFFF]/u;

/**
 * Path parameters as API Gateway decoded them, refused (400) when they could not be: a stray or
 * truncated percent-escape arrives as sent, bytes that are not UTF-8 as U+FFFD, a lone surrogate as
 * itself. Checked here, once, before any route's own schema.
 */
function checkedPathParameters(event: APIGatewayProxyEventV2): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value === undefined) continue;
    if (value.length > MAX_PATH_PARAMETER || UNDECODED_OR_BROKEN.test(value)) {
      throw new ValidationError(
        'request.invalid',
        `The path parameter ${name} is not valid: ids are at most ${MAX_PATH_PARAMETER} characters of well-formed, percent-encoded UTF-8.`,
      );
    }
    params[name] = value;
  }
  return params;
}

/** Reads the principal from the authorizer's claims, under the configured claim names. */
function principalOf(event: APIGatewayProxyEventV2, deps: Deps): Principal {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    .authorizer?.jwt?.claims;
  if (!claims) throw new DomainError('unauthenticated', 'auth.missing', 'A bearer token is required.');
  const names = deps.settings.claims;
  const parsed = PrincipalSchema.safeParse({
    userId: claims[names.sub],
    email: claims[names.email],
    orgId: claims[names.org],
    role: claims[names.role],
  });
  if (!parsed.success) {
    throw new DomainError(
      'forbidden',
      'auth.claims_invalid',
      `Your token must carry the claims ${names.sub}, ${names.email}, ${names.org} and ${names.role} (org-admin, admin or viewer).`,
    );
  }
  return parsed.data;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

type IdempotentRun = (payload: IdempotentPayload, run: () => Promise<HttpResult>) => Promise<HttpResult>;
const idempotentRuns = new WeakMap<Deps, { config: IdempotencyConfig; run: IdempotentRun }>();
interface IdempotentPayload {
  readonly scope: string;
  readonly requestHash: string;
}

/**
 * The same `Idempotency-Key` from the same organisation on the same route within 24 hours gets the
 * first answer again (Powertools idempotency, stored in the idempotency table); the same key with a
 * different body is refused.
 */
function runIdempotently(
  deps: Deps,
  payload: IdempotentPayload,
  run: () => Promise<HttpResult>,
  context: Context,
): Promise<HttpResult> {
  let idempotent = idempotentRuns.get(deps);
  if (!idempotent) {
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'scope',
      payloadValidationJmesPath: 'requestHash',
      expiresAfterSeconds: 24 * 60 * 60,
      throwOnNoIdempotencyKey: true,
    });
    const persistenceStore = deps.idempotencyStore('http');
    idempotent = {
      config,
      run: makeIdempotent(async (_p: IdempotentPayload, go: () => Promise<HttpResult>) => go(), {
        persistenceStore,
        config,
      }),
    };
    idempotentRuns.set(deps, idempotent);
  }
  // The in-progress lock of a crashed request expires with the Lambda's remaining time.
  idempotent.config.registerLambdaContext(context);
  return idempotent.run(payload, run);
}

async function dispatch(
  bindings: readonly RouteBinding[],
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<HttpResult> {
  const binding = bindings.find((b) => `${b.contract.method} ${b.contract.path}` === event.routeKey);
  if (!binding)
    return errorResult(new DomainError('not_found', 'route.not_found', `No route ${event.routeKey}.`));
  const { contract } = binding;
  const deps = await getDeps();
  const headers = lowerCaseHeaders(event.headers);
  const principal = contract.auth === 'jwt' ? principalOf(event, deps) : undefined;
  if (principal) logger.appendKeys({ orgId: principal.orgId, role: principal.role });
  const params = contract.params ? contract.params.parse(checkedPathParameters(event)) : {};
  const list = JSON.stringify([principal?.orgId ?? '', contract.id, params]);
  const query = await openCursor(
    deps,
    list,
    contract.query ? contract.query.parse(event.queryStringParameters ?? {}) : {},
  );
  const body = contract.body
    ? contract.body.parse(parseBody(contract, event, headers))
    : parseBody(contract, event, headers);
  const request = {
    deps,
    principal,
    params,
    query,
    body,
    rawBody: contract.bodyType === 'file' ? undefined : rawBody(event),
    file: uploadedFile(contract, event, headers),
    headers,
    requestId: context.awsRequestId,
  } satisfies Omit<HttpRequest<RouteContract>, 'principal' | 'params' | 'query' | 'body'> &
    Record<string, unknown> as HttpRequest<RouteContract>;

  const key = headers['idempotency-key'];
  if (!contract.startsJob || key === undefined) return sealCursor(deps, list, await binding.handle(request));
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError(
      'request.idempotency_key_invalid',
      'Idempotency-Key must be 1 to 255 visible ASCII characters.',
    );
  }
  if (!principal) throw new DomainError('unauthenticated', 'auth.missing', 'A bearer token is required.');
  // Authorisation first: a cached answer is only ever returned to a caller allowed to make the call.
  await authorise(deps, principal, contract.startsJob.access, params as Record<string, unknown>);
  const requestHash = createHash('sha256').update(JSON.stringify({ params, query, body })).digest('hex');
  // The caller is part of the key: the same key from someone else is their own request.
  const scope = JSON.stringify([principal.orgId, principal.userId, contract.id, key]);
  return runIdempotently(deps, { scope, requestHash }, () => binding.handle(request), context);
}

/**
 * A list's cursor is sealed for that list of that organisation (route and path ids included): the
 * caller sees an opaque, authenticated string, and the use case gets back the position it handed out.
 */
async function openCursor(deps: Deps, list: string, query: Record<string, unknown>) {
  if (typeof query.cursor !== 'string') return query;
  const position = await deps.cursors.open(list, query.cursor);
  if (position === undefined)
    throw new ValidationError(
      'cursor.invalid',
      'The cursor is not valid for this list: start again without it.',
    );
  return { ...query, cursor: position };
}

async function sealCursor(deps: Deps, list: string, result: HttpResult): Promise<HttpResult> {
  const body = result.body as { nextCursor?: unknown } | undefined;
  if (typeof body?.nextCursor !== 'string') return result;
  return { ...result, body: { ...body, nextCursor: await deps.cursors.seal(list, body.nextCursor) } };
}

/** The access a job-starting route needs (its use case checks the same again when it runs). */
async function authorise(
  deps: Deps,
  principal: Principal,
  access: JobAccess,
  params: Record<string, unknown>,
): Promise<void> {
  if ('role' in access) return requireRole(principal, access.role);
  await loadAccountFor(deps, principal, String(params.accountId ?? ''), access.account);
}

/** Builds the Lambda handler of an API function from its route bindings. */
export function httpFunction(...bindings: RouteBinding[]) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event, context) => {
      const started = Date.now();
      logger.appendKeys({ route: event.routeKey });
      let result: HttpResult;
      try {
        result = await dispatch(bindings, event, context);
      } catch (error) {
        result = errorResult(error);
        if ((result.status ?? 500) >= 500) logger.error('request failed', { error: error as Error });
      }
      const status = result.status ?? 200;
      metrics.addMetric(
        status >= 500 ? 'ServerError' : status >= 400 ? 'ClientError' : 'Success',
        MetricUnit.Count,
        1,
      );
      logger.info('request handled', { status, durationMs: Date.now() - started });
      return answer(result, context.awsRequestId);
    });
}
