/**
 * The project's own abuse suite (issue 12): walks `GET /v1/openapi.json` and sends, to every operation,
 * bad inputs of every class (see abuse-cases.ts), against a realistic organisation in local mode. Each
 * case must get its 4xx (never a 5xx) in the right shape, write nothing (counted on the DynamoDB client,
 * per route and class), stay bounded, and no answer or log line may carry a secret: the content tokens,
 * the notification secrets, the invitation token and the JWTs, whole, their inner tokens, and every
 * 20-character piece of them. Operations that hand a secret over once (a webhook's creation and its
 * rotation) are exempt for that answer (HANDS_OVER_SECRET); the webhook secrets are scanned for
 * everywhere else.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../functions/local/jwt-keys.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import type { Caller, TestRuntime } from '../support/runtime.ts';
import { countWrites, type WriteCounter } from '../support/write-counter.ts';
import {
  type AbuseCase,
  type CallerName,
  type CaseClass,
  CLASSES,
  type Fixtures,
  generateCases,
  type Inputs,
  type OpenApiDocument,
  operations,
  PERCENT_MALFORMED,
  Unhandled,
  validRequest,
} from './abuse-cases.ts';

/** operationIds whose success answer hands a secret over once (exempt from the scan for that answer). */
const HANDS_OVER_SECRET = new Set<string>(['createWebhook', 'rotateWebhookSecret']);
const CONCURRENCY = 8;
const MAX_ERROR_BYTES = 16 * 1024;
const MIN_CASES = 500;

const CALLERS: Record<CallerName, Caller> = {
  orgAdmin: { org: 'demo', role: 'org-admin', email: 'admin@demo.test' },
  viewer: { org: 'demo', role: 'viewer', email: 'viewer@demo.test' },
  listedAdmin: { org: 'demo', role: 'admin', email: 'listed@demo.test' },
  unlistedAdmin: { org: 'demo', role: 'admin', email: 'unlisted@demo.test' },
  otherOrgAdmin: { org: 'acme', role: 'org-admin', email: 'boss@acme.test' },
  otherOrgViewer: { org: 'acme', role: 'viewer', email: 'viewer@acme.test' },
};

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: any;
  readonly contentType: string;
  readonly headers: string;
  readonly ms: number;
  readonly error?: string;
}

const captured: string[] = [];
/** `eventually` of test/support/runtime.ts, loaded in beforeAll (after the log level is set). */
let eventually: typeof import('../support/runtime.ts').eventually;
const answers: string[] = [];
const originals = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
  console: { ...console },
};
const jwts = new Map<CallerName, string>();
const secrets: { name: string; value: string }[] = [];
let rt: TestRuntime;
let writes: WriteCounter;
let doc: OpenApiDocument;
let generated: { cases: AbuseCase[]; problems: string[] } = { cases: [], problems: [] };
const setupProblems: string[] = [];
const marks: [string, number][] = [];
const mark = (what: string) => marks.push([what, Date.now()]);
const report: { cls: string; op: string; name: string; status: number; code?: string; problem?: string }[] =
  [];

/** Backs off from the gateway's throttling (a client's retry, not a wait for something to happen). */
const backoff = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64url = (text: string) => Buffer.from(text).toString('base64url');

async function jwtOf(caller: CallerName): Promise<string> {
  let token = jwts.get(caller);
  if (!token) {
    token = await rt.token(CALLERS[caller]);
    jwts.set(caller, token);
  }
  return token;
}

/** Sends one request exactly as given; the gateway's own throttling (429 "Too Many Requests") is retried. */
async function send(
  c: Pick<AbuseCase, 'method' | 'target' | 'auth' | 'headers' | 'body' | 'contentType'>,
): Promise<Answer> {
  const headers: Record<string, string> = { ...c.headers };
  if ('caller' in c.auth) headers.authorization = `Bearer ${await jwtOf(c.auth.caller)}`;
  else if (c.auth.authorization !== undefined) headers.authorization = c.auth.authorization;
  if (typeof c.contentType === 'string') headers['content-type'] = c.contentType;
  const made = typeof c.body === 'function' ? c.body() : c.body;
  // A string body would get text/plain from fetch: bytes go without a Content-Type.
  const body = typeof made === 'string' && c.contentType === null ? new Uint8Array(Buffer.from(made)) : made;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${rt.apiUrl}${c.target}`, {
        method: c.method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status === 429 && text.includes('Too Many Requests') && attempt < 50) {
        await backoff(100 + attempt * 20);
        continue;
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return {
        status: response.status,
        text,
        json,
        contentType: response.headers.get('content-type') ?? '',
        headers: JSON.stringify([...response.headers.entries()]),
        ms: Date.now() - started,
      };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      return {
        status: 0,
        text: '',
        json: undefined,
        contentType: '',
        headers: '',
        ms: Date.now() - started,
        error: `${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message}`,
      };
    }
  }
}

/** rt.call for the set-up, with its answers kept for the secret scan. */
async function call(method: string, path: string, options: Parameters<TestRuntime['call']>[2] = {}) {
  const answer = await rt.call(method, path, options);
  answers.push(JSON.stringify(answer.body), JSON.stringify([...answer.headers.entries()]));
  return answer;
}

async function must(what: string, answer: Promise<{ status: number; body: any }>, status: number) {
  const a = await answer;
  if (a.status !== status) throw new Error(`set-up: ${what} answered ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

async function jobEnded(id: string, as: Caller = CALLERS.orgAdmin) {
  return eventually(
    async () => {
      const job = (await call('GET', `/v1/jobs/${id}`, { as })).body;
      return ['succeeded', 'failed', 'partially_failed'].includes(job?.state) ? job : undefined;
    },
    30_000,
    `set-up: job ${id}`,
  );
}

/**
 * The system at rest: every queue empty, messages in flight and delayed ones included (a worker
 * deletes its message when it is done), seen twice in a row.
 */
async function atRest(timeoutMs = 30_000) {
  const empty = async () => (await Promise.all(QUEUES.map((q) => rt.queueDepth(q.id)))).every((d) => d === 0);
  await eventually(async () => (await empty()) && (await empty()), timeoutMs, 'the system at rest');
}

async function pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}

function isErrorShape(json: any): boolean {
  return (
    json !== null &&
    typeof json === 'object' &&
    typeof json.error?.code === 'string' &&
    typeof json.error?.message === 'string'
  );
}
function isGatewayShape(json: any): boolean {
  return json !== null && typeof json === 'object' && typeof json.message === 'string' && !('error' in json);
}

/** Every problem with one answer; empty when it is what the case must get. */
function verify(c: AbuseCase, a: Answer): string[] {
  if (a.error) return [`no answer (${a.error})`];
  const problems: string[] = [];
  const json = /json/.test(a.contentType);
  const error = json && isErrorShape(a.json);
  const gateway = json && isGatewayShape(a.json);
  const page = a.contentType.startsWith('text/html');
  if (a.status >= 500) problems.push('a 5xx');
  if (!c.expect.status.includes(a.status)) problems.push(`expected ${c.expect.status.join('/')}`);
  const shapeOk =
    c.expect.shape === 'error'
      ? error
      : c.expect.shape === 'gateway'
        ? gateway
        : c.expect.shape === 'page'
          ? page
          : c.expect.shape === 'error-or-page'
            ? error || page
            : a.status < 400 || error || gateway || page;
  if (!shapeOk) {
    const wanted =
      c.expect.shape === 'gateway'
        ? '{message}'
        : c.expect.shape === 'any'
          ? 'an error shape'
          : '{error:{code,message}}';
    problems.push(
      `not ${wanted} (content-type "${a.contentType}", body ${JSON.stringify(a.text.slice(0, 80))})`,
    );
  }
  if (c.expect.codes && error && !c.expect.codes.includes(a.json.error.code)) {
    problems.push(`code ${a.json.error.code}, expected ${c.expect.codes.join('/')}`);
  }
  if (a.status >= 400 && a.text.length > MAX_ERROR_BYTES)
    problems.push(`an error answer of ${a.text.length} bytes`);
  for (const value of c.forbidden ?? []) {
    if (a.text.includes(value)) problems.push('echoes the value of a field that holds a secret');
  }
  if (c.maxMs !== undefined && a.ms > c.maxMs) problems.push(`answered after ${a.ms} ms`);
  const extra = c.check?.(a);
  if (extra) problems.push(extra);
  return problems;
}

const codeOf = (a: Answer) =>
  isErrorShape(a.json) ? a.json.error.code : isGatewayShape(a.json) ? `"${a.json.message}"` : undefined;

async function runCase(c: AbuseCase, failures: string[]) {
  const a = await send(c);
  if (!(HANDS_OVER_SECRET.has(c.op) && a.status < 300)) answers.push(`${a.status} ${a.text} ${a.headers}`);
  const problems = verify(c, a);
  const code = codeOf(a);
  report.push({
    cls: c.cls,
    op: c.op,
    name: c.name,
    status: a.status,
    ...(code ? { code } : {}),
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  });
  if (problems.length > 0) {
    failures.push(
      `${c.op} | ${c.name} | got ${a.status || 'nothing'}${code ? ` ${code}` : ''} | ${problems.join('; ')}`,
    );
  }
}

/**
 * Runs a class: the requests that may write first (then the system comes to rest), then the others,
 * 8 at a time, with the table writes counted. When the refused requests wrote, they are run again by
 * route (8 at a time) and then one at a time, so that the failure names the requests that wrote.
 */
/** How many records the idempotency table holds (refused requests must leave none behind). */
async function idempotencyRecords(): Promise<number> {
  const answer = await rt.clients.dynamo.send(
    new ScanCommand({ TableName: rt.tables.idempotency, Select: 'COUNT', ConsistentRead: true }),
  );
  return answer.Count ?? 0;
}

async function runClass(cls: CaseClass): Promise<{ count: number; failures: string[] }> {
  const cases = generated.cases.filter((c) => c.cls === cls);
  const failures: string[] = [];
  const writing = cases.filter((c) => c.mayWrite);
  await pool(writing, CONCURRENCY, (c) => runCase(c, failures));
  if (writing.length > 0) await atRest();
  const refused = cases.filter((c) => !c.mayWrite);
  const before = writes.total();
  const commandsBefore = writes.byCommand();
  const secretsBefore = rt.secretNames().join('\n');
  const idempotencyBefore = await idempotencyRecords();
  await pool(refused, CONCURRENCY, (c) => runCase(c, failures));
  if (rt.secretNames().join('\n') !== secretsBefore)
    failures.push('(all) | refused requests | changed the secrets stored');
  if ((await idempotencyRecords()) !== idempotencyBefore)
    failures.push('(all) | refused requests | left an idempotency record');
  const wrote = writes.total() - before;
  if (wrote === 0) return { count: cases.length, failures };

  failures.push(
    `(all) | ${refused.length} refused requests | wrote ${wrote} items (${commandsSince(commandsBefore)})`,
  );
  const byOp = new Map<string, AbuseCase[]>();
  for (const c of refused) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
  await atRest();
  for (const [op, group] of byOp) {
    const start = writes.total();
    const commandsStart = writes.byCommand();
    await pool(group, CONCURRENCY, (c) => send(c).then(() => undefined));
    if (writes.total() === start) continue;
    failures.push(
      `${op} | its ${group.length} requests, again | wrote ${writes.total() - start} items (${commandsSince(commandsStart)})`,
    );
    await atRest();
    for (const c of group) {
      const again = writes.total();
      const commands = writes.byCommand();
      await send(c);
      if (writes.total() > again) {
        failures.push(
          `${op} | ${c.name} | alone, again | wrote ${writes.total() - again} items (${commandsSince(commands)})`,
        );
      }
    }
  }
  return { count: cases.length, failures };
}

function commandsSince(before: Record<string, number>): string {
  return Object.entries(writes.byCommand())
    .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

function summary(cls: string, failures: string[]): string {
  const shown = failures.slice(0, 400);
  return [
    `${failures.length} failures in class ${cls}:`,
    ...shown,
    ...(failures.length > shown.length ? [`... and ${failures.length - shown.length} more`] : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The organisation under attack, and the other one

async function setUp(): Promise<Inputs> {
  const A_ADMIN = CALLERS.orgAdmin;
  const B_ADMIN = CALLERS.otherOrgAdmin;
  const tokenA = rt.tokenFile('demo-north');
  const tokenB = rt.tokenFile('demo-south');
  const a = await must(
    'add account A',
    call('POST', '/v1/accounts', {
      as: A_ADMIN,
      body: {
        name: 'Abuse North',
        email: 'it@demo.test',
        token: tokenA,
        allowedAdmins: [CALLERS.listedAdmin.email],
      },
    }),
    201,
  );
  const b = await must(
    'add account B',
    call('POST', '/v1/accounts', {
      as: B_ADMIN,
      body: { name: 'Acme South', email: 'it@acme.test', token: tokenB },
    }),
    201,
  );
  const A = a.id as string;
  const B = b.id as string;
  for (const [id, as] of [
    [A, A_ADMIN],
    [B, B_ADMIN],
  ] as const) {
    await eventually(
      async () => Boolean((await call('GET', `/v1/accounts/${id}`, { as })).body?.lastSync),
      30_000,
      `set-up: account ${id} synced`,
    );
  }

  mark('accounts synced');
  // Users, devices, a deployment, grants, an invitation.
  const user = async (account: string, email: string, as: Caller) =>
    (
      await must(
        `add user ${email}`,
        call('POST', `/v1/accounts/${account}/users`, { as, body: { email } }),
        201,
      )
    ).id as string;
  const devices = async (serials: string[], as: Caller) =>
    must(
      'put devices',
      call('PUT', '/v1/devices', {
        as,
        body: serials.map((serialNumber) => ({ serialNumber, networkId: 'net-1' })),
      }),
      200,
    );
  const [userA, invitedA, userB] = await Promise.all([
    user(A, 'abuse-user@demo.test', A_ADMIN),
    user(A, 'abuse-invited@demo.test', A_ADMIN),
    user(B, 'abuse-user@acme.test', B_ADMIN),
    devices(['ABUSE-A1', 'ABUSE-A2'], A_ADMIN),
    devices(['ACME-B1', 'ACME-B2'], B_ADMIN),
  ]);

  const assetsA = (await call('GET', `/v1/accounts/${A}/assets?limit=1000`, { as: A_ADMIN })).body
    .items as any[];
  const assetsB = (await call('GET', `/v1/accounts/${B}/assets?limit=1000`, { as: B_ADMIN })).body
    .items as any[];
  const adamA = [...assetsA]
    .filter((x) => x.deviceAssignable)
    .sort((x, y) => y.assignedCount - x.assignedCount)[0]?.adamId as string;
  const inA = new Set(assetsA.map((x) => x.adamId));
  const adamB = assetsB.find((x) => !inA.has(x.adamId) && x.deviceAssignable && x.availableCount >= 2)
    ?.adamId as string;
  if (!adamA || !adamB) throw new Error('set-up: no assets to use');
  await must(
    'put a deployment',
    call('PUT', `/v1/accounts/${A}/assets/${adamA}/deployment`, {
      as: A_ADMIN,
      body: {
        method: 'device',
        scope: { networks: ['net-nowhere'], tags: [] },
        autoAssign: false,
        autoRevoke: false,
      },
    }),
    200,
  );
  const [grantB, invite] = await Promise.all([
    must(
      'grant in B',
      call('POST', `/v1/accounts/${B}/assets/${adamB}/grants`, {
        as: B_ADMIN,
        body: { serialNumbers: ['ACME-B1', 'ACME-B2'] },
      }),
      202,
    ),
    must(
      'invite',
      call('POST', `/v1/accounts/${A}/users/invitations`, { as: A_ADMIN, body: { userIds: [invitedA] } }),
      202,
    ),
  ]);
  await Promise.all([jobEnded(grantB.job.id, B_ADMIN), jobEnded(invite.job.id)]);
  const mail = (await rt.outbox()).find((m) => m.destination.to.includes('abuse-invited@demo.test'));
  const invitationToken = /\/invitations\/([A-Za-z0-9_-]+)/.exec(mail?.body.text ?? '')?.[1];
  if (!invitationToken) throw new Error('set-up: no invitation link');
  const holders = (
    await call('GET', `/v1/accounts/${A}/assets/${adamA}/assignments?limit=1000`, { as: A_ADMIN })
  ).body.items as any[];
  const holder = holders.find((h) => h.subjectType === 'device' && h.state === 'granted')
    ?.subjectId as string;
  if (!holder) throw new Error('set-up: no device holds the asset');

  // A webhook subscription in each organisation; their creation answers hand the secret over, so they
  // are not kept for the scan (rt.call, not call), but the secrets are scanned for.
  const webhook = async (as: Caller, accountId: string) => {
    const created = await rt.call('POST', '/v1/webhooks', {
      as,
      body: { url: 'http://127.0.0.1:9/abuse', eventTypes: ['license.granted'], accountIds: [accountId] },
    });
    if (created.status !== 201) throw new Error(`set-up: create a webhook answered ${created.status}`);
    const id = created.body.id as string;
    // Two test events make two deliveries of its log (a page of one has a next cursor); the
    // receiver is not there, so they fail.
    for (const _ of [1, 2]) {
      const tested = await rt.call('POST', `/v1/webhooks/${id}/test`, { as });
      if (tested.status !== 200) throw new Error(`set-up: test a webhook answered ${tested.status}`);
    }
    const log = await rt.call('GET', `/v1/webhooks/${id}/deliveries`, { as });
    const deliveryId = (log.body.items as { id: string }[] | undefined)?.[0]?.id;
    if (!deliveryId) throw new Error('set-up: the test event made no delivery');
    return { id, deliveryId, secret: created.body.secret as string };
  };
  const [webhookA, webhookB] = await Promise.all([webhook(A_ADMIN, A), webhook(B_ADMIN, B)]);

  mark('data');
  // The secrets the scan looks for.
  const inner = (file: string) => JSON.parse(Buffer.from(file, 'base64').toString('utf8')).token as string;
  const secretOf = async (id: string) =>
    (await rt.deps.secrets.get(`accounts/${id}/notification-secret`))?.reveal() ?? '';
  secrets.push(
    { name: 'content token A', value: tokenA.trim() },
    { name: 'content token B', value: tokenB.trim() },
    { name: 'inner token A', value: inner(tokenA) },
    { name: 'inner token B', value: inner(tokenB) },
    { name: 'notification secret A', value: await secretOf(A) },
    { name: 'notification secret B', value: await secretOf(B) },
    { name: 'invitation token', value: invitationToken },
    { name: 'webhook secret A', value: webhookA.secret },
    { name: 'webhook secret B', value: webhookB.secret },
  );

  const own: Fixtures = {
    path: {
      accountId: A,
      adamId: adamA,
      userId: userA,
      serialNumber: 'ABUSE-A1',
      jobId: invite.job.id,
      token: invitationToken,
      webhookId: webhookA.id,
      deliveryId: webhookA.deliveryId,
    },
    // The account's own admins: a request that changes the account keeps who may manage it.
    body: {
      token: tokenA,
      userIds: [userA],
      serialNumbers: ['ABUSE-A1'],
      allowedAdmins: [CALLERS.listedAdmin.email],
      url: 'http://127.0.0.1:9/abuse',
      accountIds: [A],
    },
  };
  const acme: Fixtures = {
    path: {
      accountId: B,
      adamId: adamB,
      userId: userB,
      serialNumber: 'ACME-B1',
      jobId: grantB.job.id,
      webhookId: webhookB.id,
      deliveryId: webhookB.deliveryId,
    },
    body: {
      token: tokenB,
      userIds: [userB],
      serialNumbers: ['ACME-B1'],
      url: 'http://127.0.0.1:9/abuse',
      accountIds: [B],
    },
  };

  // Real cursors of every list, of both organisations.
  const ops = operations(doc);
  const cursors: Record<string, { own: string; otherOrg: string }> = {};
  for (const op of ops.filter((o) => o.queryParams.some((p) => p.name === 'cursor'))) {
    try {
      const ownPage = await call('GET', validRequest(doc, op, own, 'limit=1').target, { as: A_ADMIN });
      const otherPage = await call('GET', validRequest(doc, op, acme, 'limit=1').target, { as: B_ADMIN });
      const [o, x] = [ownPage.body?.nextCursor, otherPage.body?.nextCursor];
      if (typeof o !== 'string' || typeof x !== 'string') {
        setupProblems.push(
          `${op.id}: no next cursor with limit=1 (answers ${ownPage.status}, ${otherPage.status})`,
        );
      } else cursors[op.id] = { own: o, otherOrg: x };
    } catch (error) {
      if (!(error instanceof Unhandled)) throw error;
      setupProblems.push(`${op.id}: ${error.message}`);
    }
  }

  mark('cursors');
  // The first caller's request of every job-starting operation, with new users and devices of its own.
  let n = 0;
  const freshFixtures = async (): Promise<Fixtures> => {
    n++;
    const freshUser = await user(A, `abuse-idem-${n}@demo.test`, A_ADMIN);
    const serial = `ABUSE-IDEM-${n}`;
    await devices([serial], A_ADMIN);
    return {
      path: { ...own.path, userId: freshUser, serialNumber: serial },
      body: { ...own.body, userIds: [freshUser], serialNumbers: [serial, holder] },
    };
  };
  const idempotency: Inputs['idempotency'] = {};
  const jobStarters = ops.filter((o) => o.idempotent);
  const fresh = await Promise.all(jobStarters.map(() => Promise.all([freshFixtures(), freshFixtures()])));
  for (const [i, op] of jobStarters.entries()) {
    try {
      const [fixtures, otherFixtures] = fresh[i] as [Fixtures, Fixtures];
      const key = `abuse-${op.id}-${randomUUID()}`;
      const request = validRequest(doc, op, fixtures);
      const first = await send({
        method: op.method,
        target: request.target,
        auth: { caller: 'orgAdmin' },
        headers: { 'idempotency-key': key },
        ...(request.body !== undefined
          ? { body: request.body, contentType: request.contentType ?? null }
          : {}),
      });
      answers.push(first.text);
      const jobId = first.json?.job?.id ?? first.json?.id;
      if (first.status !== op.success || typeof jobId !== 'string') {
        setupProblems.push(
          `${op.id}: the first caller's request answered ${first.status} ${first.text.slice(0, 200)}`,
        );
        continue;
      }
      (idempotency as Record<string, unknown>)[op.id] = { key, fixtures, otherFixtures, jobId };
    } catch (error) {
      if (!(error instanceof Unhandled)) throw error;
      setupProblems.push(`${op.id}: ${error.message}`);
    }
  }

  mark('first calls');
  // Credentials that must be refused, and validly signed ones with claims the service cannot use.
  const admin = await jwtOf('orgAdmin');
  const viewer = await jwtOf('viewer');
  for (const caller of Object.keys(CALLERS) as CallerName[]) await jwtOf(caller);
  const [header, payload, signature] = viewer.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const { privateKey: otherKey } = await generateKeyPair('ES256');
  const sign = (alg: 'ES256' | 'HS256') =>
    new SignJWT({ email: CALLERS.orgAdmin.email, org: 'demo', role: 'org-admin' })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setSubject(`local|${CALLERS.orgAdmin.email}`)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(alg === 'ES256' ? otherKey : randomBytes(32));
  const expired = await rt.token({ ...CALLERS.orgAdmin, expiresIn: '-1h' });
  const badClaims = {
    'a role the service does not know': await rt.token({
      org: 'demo',
      role: 'root',
      email: 'root@demo.test',
    }),
    'no organisation claim': await rt.token({
      ...CALLERS.orgAdmin,
      names: { sub: 'sub', email: 'email', org: 'organisation', role: 'role' },
    }),
    'an empty organisation': await rt.token({ ...CALLERS.orgAdmin, org: '' }),
  };
  secrets.push(
    ...[...jwts.entries()].map(([name, value]) => ({ name: `JWT of ${name}`, value })),
    { name: 'expired JWT', value: expired },
    ...Object.entries(badClaims).map(([name, value]) => ({ name: `JWT with ${name}`, value })),
  );
  const badAuthorizations: Inputs['badAuthorizations'] = {
    'no Authorization header': {},
    'an empty bearer': { header: 'Bearer ' },
    'a garbage bearer': { header: 'Bearer garbage' },
    'Basic credentials': { header: 'Basic YWRtaW46YWRtaW4=' },
    'an expired JWT': { header: `Bearer ${expired}` },
    'a JWT signed by another key': { header: `Bearer ${await sign('ES256')}` },
    'a JWT with alg none': { header: `Bearer ${b64url('{"alg":"none","typ":"JWT"}')}.${payload}.` },
    'an HS256 JWT with a guessed secret': { header: `Bearer ${await sign('HS256')}` },
    "a viewer's JWT with its role changed to org-admin": {
      header: `Bearer ${header}.${b64url(JSON.stringify({ ...claims, role: 'org-admin' }))}.${signature}`,
    },
    'a JWT without its signature': { header: `Bearer ${header}.${payload}.` },
    'a JWT with a truncated signature': { header: `Bearer ${admin.slice(0, -10)}` },
    'two JWTs': { header: `Bearer ${admin} ${admin}` },
    'a valid JWT in the query string instead of the header': { query: `access_token=${admin}` },
  };

  return {
    doc,
    own,
    foreign: acme.path,
    cursors,
    idempotency,
    badAuthorizations,
    badClaims,
  };
}

beforeAll(async () => {
  // Every log line, at the most talkative level, before any handler module is loaded.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  const capture = (chunk: unknown) => {
    captured.push(
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
    );
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[level] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
  }
  mark('start');
  // The runtime (and the handlers' logger it loads) only now, so the logger takes this level.
  const runtime = await import('../support/runtime.ts');
  eventually = runtime.eventually;
  const { startTestRuntime } = runtime;
  rt = await startTestRuntime({ log: (line) => captured.push(line) });
  // A refused job request may leave Powertools' in-progress record for a moment (written before the
  // use case runs, deleted when it refuses): not counted as a write; that none is left is checked.
  writes = countWrites(rt.clients.dynamo, { ignoreTables: [rt.tables.idempotency ?? ''] });
  const served = await rt.call('GET', '/v1/openapi.json');
  if (served.status !== 200) throw new Error(`GET /v1/openapi.json answered ${served.status}`);
  doc = served.body as OpenApiDocument;
  mark('runtime');
  const inputs = await setUp();
  mark('set-up');
  generated = generateCases(inputs);
  mark('generated');
  await atRest();
  mark('at rest');
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
  Object.assign(console, originals.console);
  if (process.env.ABUSE_REPORT)
    writeFileSync(process.env.ABUSE_REPORT, JSON.stringify({ marks, report }, null, 1));
});

describe('the abuse suite', () => {
  it('generates cases for every operation of the OpenAPI document, at least 500', () => {
    expect([...setupProblems, ...generated.problems]).toEqual([]);
    const ops = operations(doc);
    const covered = new Set(generated.cases.map((c) => c.op));
    expect(ops.filter((o) => !covered.has(o.id)).map((o) => o.id)).toEqual([]);
    expect(generated.cases.length).toBeGreaterThanOrEqual(MIN_CASES);
  });

  it('sends malformed percent-escapes exactly as given (fetch does not normalise them)', () => {
    for (const [, raw] of PERCENT_MALFORMED) {
      expect(new URL(`${rt.apiUrl}/v1/accounts/${raw}?cursor=${raw}`).pathname).toBe(`/v1/accounts/${raw}`);
    }
  });

  it('lists 415 on every operation with a request body', () => {
    const missing = operations(doc)
      .filter((o) => o.operation.requestBody && !o.operation.responses['415'])
      .map((o) => `${o.method} ${o.template} (${o.id})`);
    expect(missing).toEqual([]);
  });

  for (const cls of CLASSES) {
    it(`answers every ${cls} case as it must, and writes nothing`, async () => {
      const { count, failures } = await runClass(cls);
      mark(cls);
      expect(count, `no ${cls} case was generated`).toBeGreaterThan(0);
      if (failures.length > 0) throw new Error(summary(cls, failures));
    }, 180_000);
  }

  it('lets no secret out, in any answer or log line', async () => {
    await atRest();
    // Whole values, and every 20-character piece of each.
    const pieces = new Map<string, string>();
    for (const { name, value } of secrets) {
      expect(value.length, name).toBeGreaterThanOrEqual(20);
      for (let i = 0; i + 20 <= value.length; i++)
        if (!pieces.has(value.slice(i, i + 20))) pieces.set(value.slice(i, i + 20), name);
    }
    // Only runs of characters that occur in secrets can hold a piece of one.
    const alphabet = [...new Set(secrets.flatMap((s) => [...s.value]))]
      .map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('');
    const runs = new RegExp(`[${alphabet}]{20,}`, 'g');
    const leaks = new Set<string>();
    for (const [where, texts] of [
      ['an answer', answers],
      ['a log line', captured],
    ] as const) {
      for (const text of texts) {
        for (const run of text.matchAll(runs)) {
          const found = (() => {
            for (let i = 0; i + 20 <= run[0].length; i++) {
              const name = pieces.get(run[0].slice(i, i + 20));
              if (name) return { name, at: (run.index ?? 0) + i };
            }
            return undefined;
          })();
          if (found) {
            const { name, at: i } = found;
            // The context before the piece, never the piece itself.
            leaks.add(
              `${name} in ${where}, after: …${text.slice(Math.max(0, i - 60), i).replace(/\s+/g, ' ')}`,
            );
            break;
          }
        }
      }
    }
    expect(captured.join('').length).toBeGreaterThan(1000);
    expect([...leaks]).toEqual([]);
  }, 120_000);
});
