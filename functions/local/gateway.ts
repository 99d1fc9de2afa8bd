/**
 * Local mode's API Gateway: turns each HTTP request into the HTTP API's payload v2 event, checks the
 * JWT like the authorizer does, calls the very Lambda handler of the function that lists the route
 * (shared/config/functions.ts), and writes its
 * answer back. Errors the gateway itself makes keep API Gateway's own shape `{"message": ...}`: no
 * route (404), no or bad token (401), a body over 10 MB (413), a request line and headers over 10 KB (431), throttling (429), a crashed
 * handler (500).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RouteContract } from '../../shared/api/route.ts';
import { FUNCTIONS, type FunctionDefinition, functionOfRoute } from '../../shared/config/functions.ts';
import { type LocalKeys, type TrustedIssuer, verifyToken } from './jwt-keys.ts';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  readonly port: number;
  readonly routes: readonly RouteContract[];
  /** The functions that serve them (each lists its routes). @default FUNCTIONS */
  readonly functions?: readonly FunctionDefinition[];
  readonly loadHandler: (fn: string) => Promise<Handler>;
  readonly keys: LocalKeys;
  /** An external OpenID provider whose tokens are accepted too (LOCAL_OIDC_ISSUER). */
  readonly trustedIssuer?: TrustedIssuer;
  /** Extra local-only routes (the outbox), answered before the API routes. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Stage throttling like the CDK default: steady requests per second and burst. */
  readonly throttle?: { readonly ratePerSecond: number; readonly burst: number };
}

interface CompiledRoute {
  readonly contract: RouteContract;
  /** The function that serves it. */
  readonly fn: string;
  readonly pattern: RegExp;
  readonly names: string[];
}

function compile(contract: RouteContract, functions: readonly FunctionDefinition[]): CompiledRoute {
  const fn = functionOfRoute(contract.id, functions)?.id;
  if (!fn) throw new Error(`Route ${contract.id} is not in the function list: no HTTP function lists it.`);
  const names: string[] = [];
  const source = contract.path
    .split('/')
    .map((part) => {
      const param = /^\{(\w+)\+?\}$/.exec(part);
      if (!param?.[1]) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { contract, fn, pattern: new RegExp(`^${source}$`), names };
}

/**
 * API Gateway hands a path parameter decoded; one that does not decode (a stray or truncated
 * percent-escape, bytes that are not UTF-8) reaches the function as sent, which refuses it (400).
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** API Gateway's HTTP API quota: request line and headers together, in bytes. */
const MAX_REQUEST_LINE_AND_HEADERS = 10_240;

function requestLineAndHeadersSize(req: IncomingMessage): number {
  let size = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 12;
  for (const part of req.rawHeaders) size += Buffer.byteLength(part) + 2;
  return size;
}

/** A request Node cannot even parse (headers past its own limit, broken framing) gets JSON too. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({ message: text });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

const gatewayError = (res: ServerResponse, status: number, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
};

/** API Gateway hands claims to the function as strings. */
function stringifyClaims(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    out[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  }
  return out;
}

/**
 * Whether API Gateway (HTTP API, payload 2.0) passes a body of this type as text; any other body (an
 * .xlsx upload) arrives base64-encoded with `isBase64Encoded`.
 */
function textual(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type === '' ||
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)$/.test(type)
  );
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function startGateway(options: GatewayOptions): Promise<Server> {
  const routes = options.routes.map((route) => compile(route, options.functions ?? FUNCTIONS));
  let tokens = options.throttle?.burst ?? Number.POSITIVE_INFINITY;
  let refilled = Date.now();

  const server = createServer(async (req, res) => {
    try {
      if (requestLineAndHeadersSize(req) > MAX_REQUEST_LINE_AND_HEADERS)
        return gatewayError(res, 431, 'Request Header Fields Too Large');
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      if (options.extra && (await options.extra(req, res, url))) return;

      if (options.throttle) {
        const now = Date.now();
        tokens = Math.min(
          options.throttle.burst,
          tokens + ((now - refilled) / 1000) * options.throttle.ratePerSecond,
        );
        refilled = now;
        if (tokens < 1) return gatewayError(res, 429, 'Too Many Requests');
        tokens -= 1;
      }

      const method = (req.method ?? 'GET').toUpperCase();
      let match: { route: CompiledRoute; values: string[] } | undefined;
      for (const route of routes) {
        if (route.contract.method !== method) continue;
        const found = route.pattern.exec(url.pathname);
        if (found) {
          match = { route, values: found.slice(1) };
          break;
        }
      }
      if (!match) return gatewayError(res, 404, 'Not Found');
      const { contract, fn } = match.route;

      const body = await readBody(req);
      if (body === 'too-large') return gatewayError(res, 413, 'Request Entity Too Large');

      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }

      let authorizer: { jwt: { claims: Record<string, string>; scopes: null } } | undefined;
      if (contract.auth === 'jwt') {
        const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
        const payload = bearer ? await verifyToken(options.keys, bearer, options.trustedIssuer) : undefined;
        if (!payload) return gatewayError(res, 401, 'Unauthorized');
        authorizer = { jwt: { claims: stringifyClaims(payload), scopes: null } };
      }

      const query: Record<string, string> = {};
      for (const [name, value] of url.searchParams)
        query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
      const pathParameters = Object.fromEntries(
        match.route.names.map((name, i) => [name, decodePathSegment(match.values[i] ?? '')]),
      );
      const requestId = randomUUID();
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: `${contract.method} ${contract.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        ...(match.route.names.length > 0 ? { pathParameters } : {}),
        requestContext: {
          accountId: 'local',
          apiId: 'local',
          domainName: headers.host ?? '127.0.0.1',
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: `${contract.method} ${contract.path}`,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          ...(authorizer ? { authorizer } : {}),
        },
        ...(body.length > 0
          ? { body: textual(headers['content-type']) ? body.toString('utf8') : body.toString('base64') }
          : {}),
        isBase64Encoded: body.length > 0 && !textual(headers['content-type']),
      } as unknown as APIGatewayProxyEventV2;
      const context = {
        awsRequestId: requestId,
        functionName: fn,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${fn}`,
        memoryLimitInMB: '512',
        logGroupName: `/aws/lambda/${fn}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: false,
        getRemainingTimeInMillis: () => 29_000,
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      } as Context;

      let result: APIGatewayProxyStructuredResultV2;
      try {
        const handler = await options.loadHandler(fn);
        result = await handler(event, context);
      } catch {
        return gatewayError(res, 500, 'Internal Server Error');
      }
      const outHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) outHeaders[name] = String(value);
      res.writeHead(result.statusCode ?? 200, outHeaders);
      res.end(
        result.body === undefined
          ? undefined
          : result.isBase64Encoded
            ? Buffer.from(result.body, 'base64')
            : result.body,
      );
    } catch {
      if (!res.headersSent) gatewayError(res, 500, 'Internal Server Error');
      else res.end();
    }
  });
  server.on('clientError', answerClientError);
  return new Promise((resolve) => server.listen(options.port, '127.0.0.1', () => resolve(server)));
}
