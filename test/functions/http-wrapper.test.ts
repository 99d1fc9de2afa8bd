/**
 * The HTTP wrapper, through real handlers fed with API Gateway v2 fixture events, a fake Lambda
 * context and fake deps: error format, no internal detail in 5xx, security headers, claims to
 * principal (with configurable claim names), body parsing and validation, routing.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as accounts } from '../../functions/http/api-accounts.ts';
import { handler as publicApi } from '../../functions/http/api-public.ts';
import { provideDeps } from '../../functions/lib/deps.ts';
import { ROUTES } from '../../shared/api/index.ts';
import type { Deps } from '../../shared/composition/deps.ts';

const context = {
  awsRequestId: 'req-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as Context;
let claimNames = { sub: 'sub', email: 'email', org: 'org', role: 'role' };
let listByOrg: (org: string) => Promise<unknown[]> = async () => [];

function event(
  routeKey: string,
  options: {
    claims?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
    path?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path ?? '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.path ? { pathParameters: options.path } : {}),
    requestContext: {
      http: {
        method: method ?? 'GET',
        path: path ?? '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const admin = { sub: 'u1', email: 'Admin@Demo.test', org: 'demo', role: 'org-admin' };
const json = (r: APIGatewayProxyStructuredResultV2) => JSON.parse(r.body ?? '{}');
const run = (h: typeof accounts, e: APIGatewayProxyEventV2) =>
  h(e, context) as Promise<APIGatewayProxyStructuredResultV2>;

beforeEach(() => {
  claimNames = { sub: 'sub', email: 'email', org: 'org', role: 'role' };
  listByOrg = async () => [];
  provideDeps({
    get settings() {
      return {
        stage: 'test',
        publicBaseUrl: 'https://vpp.example.test',
        vppBaseUrl: 'https://vpp.itunes.apple.com/mdm/v2',
        claims: claimNames,
        eventFirstPollSeconds: 300,
        eventPollIntervalSeconds: 30,
        allowHttpNotifications: false,
        allowLoopbackWebhooks: false,
      };
    },
    accounts: { listByOrg: (org: string) => listByOrg(org), get: async () => undefined },
    syncStates: { get: async () => undefined },
  } as unknown as Deps);
});

describe('answers', () => {
  it('carries security headers and the request id', async () => {
    const answer = await run(publicApi, event('GET /v1/health'));
    expect(answer.statusCode).toBe(200);
    expect(json(answer)).toEqual({ status: 'ok', stage: 'test' });
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'strict-transport-security': expect.stringContaining('max-age='),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
      'x-request-id': 'req-1',
    });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = json(await run(publicApi, event('GET /v1/openapi.json')));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([...new Set(ROUTES.map((r) => r.path))]));
    const create = doc.paths['/v1/accounts'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.$ref ?? schema.properties).toBeDefined();
    expect(doc.components.schemas.Error).toBeDefined();
    expect(create.responses['409'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(
      doc.paths['/v1/accounts/{accountId}/sync'].post.parameters.some(
        (p: { name: string }) => p.name === 'Idempotency-Key',
      ),
    ).toBe(true);
    // Every operation that reads a typed body lists 415 (SPEC §4); Apple's webhook reads it raw.
    const withBody = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops as Record<string, { operationId: string; requestBody?: unknown; responses: object }>),
    );
    const typed = withBody.filter((op) => op.requestBody && op.operationId !== 'receiveAppleNotification');
    expect(typed.length).toBeGreaterThan(10);
    for (const op of typed)
      expect({ op: op.operationId, has415: '415' in op.responses }).toEqual({
        op: op.operationId,
        has415: true,
      });
  });

  it('documents one answer for every call that starts a job: 202 with {job, rejected}', async () => {
    const doc = json(await run(publicApi, event('GET /v1/openapi.json')));
    const starting = ROUTES.filter((r) => r.startsJob);
    expect(starting.map((r) => r.id).sort()).toEqual(
      expect.arrayContaining(['syncAccount', 'reconcileDeployment', 'removeDevice', 'grantLicenses']),
    );
    for (const route of starting) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect({ route: route.id, answer: op.responses['202']?.content['application/json'].schema }).toEqual({
        route: route.id,
        answer: { $ref: '#/components/schemas/StartedJob' },
      });
    }
    expect(doc.components.schemas.StartedJob.required).toEqual(['job', 'rejected']);
    // The plan names the end of a grace period one way, for those revoked now and those still in it.
    const plan = doc.components.schemas.DeploymentPlan.properties;
    expect(Object.keys(plan.revoke.items.properties)).toEqual(['subject', 'graceEndsAt']);
    expect(Object.keys(plan.inGrace.items.properties)).toEqual(['subject', 'graceEndsAt']);
  });

  it('hides internal detail in a 5xx', async () => {
    listByOrg = async () => {
      throw new Error('database password hunter2 leaked');
    };
    const answer = await run(accounts, event('GET /v1/accounts', { claims: admin }));
    expect(answer.statusCode).toBe(500);
    expect(json(answer)).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(answer.body).not.toContain('hunter2');
  });

  it('answers an unknown route with 404 in the error format', async () => {
    const answer = await run(accounts, event('GET /v1/elsewhere', { claims: admin }));
    expect(answer.statusCode).toBe(404);
    expect(json(answer).error.code).toBe('route.not_found');
  });
});

describe('the principal', () => {
  it('reads org, role and e-mail from the authorizer claims (e-mail lower-cased)', async () => {
    let seen: string | undefined;
    listByOrg = async (org) => {
      seen = org;
      return [];
    };
    const answer = await run(accounts, event('GET /v1/accounts', { claims: admin }));
    expect(answer.statusCode).toBe(200);
    expect(seen).toBe('demo');
  });

  it('uses the configured claim names (Cognito custom attributes)', async () => {
    claimNames = { sub: 'sub', email: 'email', org: 'custom:org', role: 'custom:role' };
    const answer = await run(
      accounts,
      event('GET /v1/accounts', {
        claims: { sub: 'u', email: 'a@b.test', 'custom:org': 'acme', 'custom:role': 'viewer' },
      }),
    );
    expect(answer.statusCode).toBe(200);
    const wrongNames = await run(accounts, event('GET /v1/accounts', { claims: admin }));
    expect(wrongNames.statusCode).toBe(403);
    expect(json(wrongNames).error.code).toBe('auth.claims_invalid');
  });

  it.each([
    ['no role', { ...admin, role: undefined }],
    ['an unknown role', { ...admin, role: 'superuser' }],
    ['no organisation', { ...admin, org: undefined }],
  ])('refuses a token with %s (403)', async (_name, claims) => {
    const answer = await run(
      accounts,
      event('GET /v1/accounts', { claims: claims as Record<string, string> }),
    );
    expect(answer.statusCode).toBe(403);
    expect(json(answer).error.code).toBe('auth.claims_invalid');
  });

  it('refuses a call that bypassed the authorizer (401)', async () => {
    const answer = await run(accounts, event('GET /v1/accounts'));
    expect(answer.statusCode).toBe(401);
    expect(json(answer).error.code).toBe('auth.missing');
  });
});

describe('bodies', () => {
  it.each<[string, { body?: string; headers?: Record<string, string> }, number, string]>([
    ['malformed JSON', { body: '{"name":' }, 400, 'request.malformed_json'],
    ['no body', {}, 400, 'request.body_missing'],
    [
      'a wrong content type',
      { body: 'name=x', headers: { 'content-type': 'text/plain' } },
      415,
      'request.unsupported_media_type',
    ],
    [
      'a field of the wrong type',
      { body: JSON.stringify({ name: 5, email: 'a@b.test', token: 'x' }) },
      400,
      'request.invalid',
    ],
    [
      'an unknown field',
      { body: JSON.stringify({ name: 'n', email: 'a@b.test', token: 'x', extra: true }) },
      400,
      'request.invalid',
    ],
    [
      'a bad e-mail',
      { body: JSON.stringify({ name: 'n', email: 'nope', token: 'x' }) },
      400,
      'request.invalid',
    ],
  ])('refuses %s', async (_name, options, status, code) => {
    const answer = await run(accounts, event('POST /v1/accounts', { claims: admin, ...options }));
    expect(answer.statusCode).toBe(status);
    expect(json(answer).error).toMatchObject({ code, message: expect.any(String) });
  });

  it('names the field but never echoes the value sent', async () => {
    const answer = await run(
      accounts,
      event('POST /v1/accounts', {
        claims: admin,
        body: JSON.stringify({ name: 'n', email: 'secret-value-42', token: 'x' }),
      }),
    );
    expect(json(answer).error.message).toContain('email');
    expect(answer.body).not.toContain('secret-value-42');
  });

  it('refuses an invalid Idempotency-Key before doing anything', async () => {
    const answer = await run(
      accounts,
      event('POST /v1/accounts/{accountId}/sync', {
        claims: admin,
        path: { accountId: 'a1' },
        headers: { 'idempotency-key': 'with space' },
      }),
    );
    expect(answer.statusCode).toBe(400);
    expect(json(answer).error.code).toBe('request.idempotency_key_invalid');
  });
});

describe('malformed requests as API Gateway hands them over', () => {
  // API Gateway passes a path parameter it could not decode as sent; bytes that are not UTF-8 become
  // U+FFFD; a lone surrogate can arrive from a decoder that allows it.
  it.each([
    ['a truncated percent-escape', '%E0%A4%A'],
    ['an encoded lone surrogate', '%ED%A0%80'],
    ['a stray percent sign', '50%off'],
    ['bytes that are not UTF-8', 'a\uFFFDb'],
    ['a lone surrogate', 'a\uD800b'],
    ['a control character', 'a\u0000b'],
    ['an over-long id', 'a'.repeat(257)],
  ])('refuses %s in a path id with 400 request.invalid', async (_name, value) => {
    for (const [routeKey, name] of [
      ['GET /v1/accounts/{accountId}', 'accountId'],
      ['POST /v1/accounts/{accountId}/sync', 'accountId'],
    ] as const) {
      const answer = await run(accounts, event(routeKey, { claims: admin, path: { [name]: value } }));
      expect(answer.statusCode).toBe(400);
      expect(json(answer).error).toMatchObject({
        code: 'request.invalid',
        message: expect.stringContaining(name),
      });
    }
  });

  it('keeps an id with an emoji (a well-formed surrogate pair) for the route to judge', async () => {
    const answer = await run(
      accounts,
      event('GET /v1/accounts/{accountId}', { claims: admin, path: { accountId: 'a😀b' } }),
    );
    expect(answer.statusCode).toBe(404);
  });

  it('answers a body with 100,000 unknown keys briefly, listing at most 20 issues', async () => {
    const body = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`key-${i}`, i]));
    const answer = await run(
      accounts,
      event('POST /v1/accounts', { claims: admin, body: JSON.stringify({ ...body, name: 'n', email: 'x' }) }),
    );
    expect(answer.statusCode).toBe(400);
    expect((answer.body ?? '').length).toBeLessThan(4_000);
    expect(answer.body).not.toContain('key-99999');
  });

  it('never describes the value of a field that holds a secret', async () => {
    const answer = await run(
      accounts,
      event('POST /v1/accounts', {
        claims: admin,
        body: JSON.stringify({ name: 'n', email: 'a@b.test', token: { nested: 'TOPSECRET-VALUE' } }),
      }),
    );
    expect(answer.statusCode).toBe(400);
    expect(json(answer).error.message).toContain('token: is not valid');
    expect(answer.body).not.toContain('TOPSECRET');
  });
});
