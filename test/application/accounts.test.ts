/**
 * VPP accounts through the API, in local mode against the Apple simulator: every rule of SPEC §5.1
 * with its status and code, what a success stores where, and who may do what (SPEC §4).
 */

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYNC_CHECKPOINT_PREFIX } from '../../shared/adapters/dynamodb/keys.ts';
import { purgeAccountData } from '../../shared/application/accounts/purge-account.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import type { Account } from '../../shared/domain/account.ts';
import { encodeContentToken } from '../../shared/domain/content-token.ts';
import {
  type Caller,
  eventually,
  ORG_ADMIN,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let rt: TestRuntime;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const LISTED_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'listed@demo.test' };
const OTHER_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'other@demo.test' };
const OTHER_ORG: Caller = { org: 'acme', role: 'org-admin', email: 'boss@acme.test' };

/**
 * Every table item but the bookkeeping: the shared Apple rate slots (a refused request may still ask
 * Apple) and, unless `checkpoints`, the syncs' checkpoints (each sync leaves one per page it read).
 */
async function everyItem(options: { checkpoints?: boolean } = {}): Promise<unknown[]> {
  const items: unknown[] = [];
  for (const table of Object.values(rt.tables)) {
    const scan = await rt.clients.dynamo.send(new ScanCommand({ TableName: table }));
    items.push(
      ...(scan.Items ?? []).filter(
        (item) =>
          !String(item.pk).startsWith('RATE#') &&
          (options.checkpoints || !String(item.sk).startsWith(SYNC_CHECKPOINT_PREFIX)),
      ),
    );
  }
  return items;
}

/** Every table item, once the background work (first syncs and what follows them) has come to rest. */
async function tablesAtRest(): Promise<string> {
  let previous = '';
  return eventually(
    async () => {
      const items = JSON.stringify(await everyItem());
      const depths = await Promise.all(QUEUES.map((q) => rt.queueDepth(q.id)));
      const quiet = items === previous && depths.every((d) => d === 0);
      previous = items;
      return quiet ? items : undefined;
    },
    30_000,
    'the tables to come to rest',
  );
}

/** The whole audit log as `GET /v1/audit` shows it to the caller, newest first. */
async function auditEntries(as: Caller = ORG_ADMIN): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.call(
      'GET',
      `/v1/audit?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { as },
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** Sends a request that must be refused, and checks that it wrote nothing: no secret, item or audit entry. */
async function refusedWithoutWrites(request: () => Promise<{ status: number; body: any }>) {
  const tables = await tablesAtRest();
  const secrets = rt.secretNames();
  const audit = await auditEntries();
  const answer = await request();
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(JSON.stringify(await everyItem())).toBe(tables);
  expect(rt.secretNames()).toEqual(secrets);
  expect(await auditEntries()).toEqual(audit);
  return answer;
}

async function addNorth(extra: Record<string, unknown> = {}, as: Caller = ORG_ADMIN) {
  return rt.call('POST', '/v1/accounts', {
    as,
    body: {
      name: 'North',
      email: 'it@demo.test',
      token: rt.tokenFile('demo-north'),
      allowedAdmins: [LISTED_ADMIN.email],
      ...extra,
    },
  });
}

async function removeAll() {
  for (const org of ['demo', 'acme']) {
    for (const account of await rt.deps.accounts.listByOrg(org)) {
      await rt.call('DELETE', `/v1/accounts/${account.id}`, { as: org === 'demo' ? ORG_ADMIN : OTHER_ORG });
    }
  }
}

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

describe('adding a token: SPEC §5.1', () => {
  beforeEach(removeAll);

  const rejected = async (token: string, status: number, code: string, message: RegExp) => {
    const before = rt.secretNames().length;
    const auditBefore = (await rt.deps.audit.list('demo', { limit: 100 })).items.length;
    const answer = await rt.call('POST', '/v1/accounts', {
      body: { name: 'X', email: 'x@demo.test', token },
    });
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toMatch(message);
    // A rejected request writes nothing.
    expect(await rt.deps.accounts.listByOrg('demo')).toEqual([]);
    expect(rt.secretNames()).toHaveLength(before);
    expect((await rt.deps.audit.list('demo', { limit: 100 })).items).toHaveLength(auditBefore);
  };

  it.each([
    ['blank', '', 400, 'token.blank', /can't be blank/],
    ['whitespace only', '  \n', 400, 'token.blank', /can't be blank/],
    ['not base64', 'not a token at all!', 400, 'token.malformed', /not base64/],
    [
      'base64 that is not JSON',
      Buffer.from('hello').toString('base64'),
      400,
      'token.malformed',
      /does not decode to JSON/,
    ],
    ['JSON without the fields', b64({ token: 'x' }), 400, 'token.malformed', /missing expDate, orgName/],
    [
      'a device enrolment (DEP) token',
      b64({ consumer_key: 'CK_x', consumer_secret: 'CS', access_token: 'AT', access_secret: 'AS' }),
      400,
      'token.malformed',
      /device enrolment/,
    ],
    [
      'an S/MIME DEP file',
      '-----BEGIN MESSAGE-----\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggFQ\n-----END MESSAGE-----',
      400,
      'token.malformed',
      /device enrolment/,
    ],
  ])('refuses %s', async (_name, token, status, code, message) => {
    await rejected(token, status, code, message);
  });

  it('refuses a token whose expiry date has passed, without asking Apple', async () => {
    rt.simulator.resetCalls();
    const expired = encodeContentToken({
      token: 'old',
      expiresAt: new Date('2026-01-01T00:00:00Z'),
      orgName: 'Demo',
    });
    await rejected(expired, 422, 'token.expired', /expired on 2026-01-01/);
    expect(rt.simulator.calls()['GET client/config'] ?? 0).toBe(0);
  });

  it.each([
    ['expired at Apple', (t: string) => rt.simulator.expireToken(t), 'token.expired', /9621/],
    ['revoked', (t: string) => rt.simulator.revokeToken(t), 'token.revoked', /9625/],
  ])('refuses a token Apple says is %s', async (_name, act, code, message) => {
    const token = rt.simulator.issueToken('demo-south');
    act(token);
    await rejected(token, 422, code, message);
  });

  it('refuses a well-formed token Apple does not know', async () => {
    const unknown = encodeContentToken({
      token: 'never-issued',
      expiresAt: new Date('2030-01-01T00:00:00Z'),
      orgName: 'Demo',
    });
    await rejected(unknown, 422, 'token.invalid', /does not accept/);
  });

  it('refuses a location another MDM holds, naming it, and takes it over when asked', async () => {
    rt.simulator.claimByOtherMdm('demo-north', { id: 'jamf-123', name: 'Jamf Pro', metadata: 'x' });
    const refused = await refusedWithoutWrites(() => addNorth());
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'token.claimed_elsewhere',
      message: expect.stringMatching(/managed by another MDM \("Jamf Pro"\).*takeOver/),
    });
    expect(await rt.deps.accounts.listByOrg('demo')).toEqual([]);
    // Nothing was written to Apple either: the other MDM still holds the location.
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.mdmInfo?.id).toBe(
      'jamf-123',
    );

    const taken = await addNorth({ takeOver: true });
    expect(taken.status).toBe(201);
    const location = rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north');
    expect(location?.mdmInfo?.id).toBe(`vpp-manager:local:${taken.body.id}`);
  });

  it('refuses the same location twice in one organisation', async () => {
    const first = await addNorth();
    expect(first.status).toBe(201);
    const again = await refusedWithoutWrites(() => addNorth({ name: 'North again' }));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'token.duplicate_location',
      message: `This location is already added as account ${first.body.id}.`,
    });
    expect((await rt.deps.accounts.listByOrg('demo')).map((a) => a.name)).toEqual(['North']);
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.mdmInfo?.id).toBe(
      `vpp-manager:local:${first.body.id}`,
    );
  });

  it('refuses a location another organisation of this service holds, naming nothing', async () => {
    expect((await addNorth()).status).toBe(201);
    const other = await rt.call('POST', '/v1/accounts', {
      as: OTHER_ORG,
      body: { name: 'Mine', email: 'x@acme.test', token: rt.tokenFile('demo-north'), takeOver: true },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('token.claimed_elsewhere');
    expect(JSON.stringify(other.body)).not.toMatch(/demo|North|vpp-manager/i);
  });

  it('stores the token and a notification secret in the secret store, never in a table, and claims the location', async () => {
    const token = rt.tokenFile('demo-north');
    const created = await addNorth();
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      status: 'active',
      location: { uId: '3300000000000101', name: 'North Campus', organizationName: 'Demo School District' },
    });
    expect(JSON.stringify(created.body)).not.toContain(token);
    expect(rt.secretNames()).toEqual(
      expect.arrayContaining([
        `vpp-manager/local/accounts/${id}/token`,
        `vpp-manager/local/accounts/${id}/notification-secret`,
      ]),
    );
    expect((await rt.deps.secrets.get(`accounts/${id}/token`))?.reveal()).toBe(token);

    const stored = JSON.stringify(await everyItem());
    const secret = (await rt.deps.secrets.get(`accounts/${id}/notification-secret`))?.reveal() ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(22);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(secret);

    const location = rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north');
    expect(location).toMatchObject({
      mdmInfo: { id: `vpp-manager:local:${id}`, name: 'VPP Manager' },
      notificationUrl: `${rt.apiUrl}/apple/notifications/${id}`,
      notificationAuthToken: secret,
    });
    expect([...(location?.subscribedNotificationTypes ?? [])].sort()).toEqual([
      'ASSET_COUNT',
      'ASSET_MANAGEMENT',
      'USER_ASSOCIATED',
      'USER_MANAGEMENT',
    ]);
    const test = rt.simulator
      .snapshot()
      .notifications.filter((n) => n.notificationType === 'TEST_NOTIFICATION' && n.url.endsWith(id));
    expect(test.at(-1)?.outcome).toBe('delivered');
  });

  it('starts the first sync, which fills in the assets and counts, and answers its job (syncJob)', async () => {
    const created = await addNorth();
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.syncJob).toMatchObject({
      type: 'sync',
      accountId: id,
      state: 'queued',
      createdBy: ORG_ADMIN.email,
      waitingFor: { kind: 'queue' },
    });
    const syncJob = await eventually(
      async () => {
        const read = await rt.call('GET', `/v1/jobs/${created.body.syncJob.id}`);
        return read.body.state === 'succeeded' ? read.body : undefined;
      },
      20_000,
      'the first sync job',
    );
    expect(syncJob).not.toHaveProperty('waitingFor');
    expect(syncJob.summary.drift).toBeDefined();
    const synced = await eventually(
      async () => {
        const account = await rt.call('GET', `/v1/accounts/${id}`);
        return account.body.lastSync ? account.body : undefined;
      },
      20_000,
      'the first sync',
    );
    expect(synced.counts.assets).toBeGreaterThan(3);
    expect(synced.lastSync.full).toBe(true);
    const assets = await rt.deps.assets.listByAccount(id);
    expect(assets.find((a) => a.adamId === '361309726')).toMatchObject({
      name: 'Pages',
      productType: 'App',
      deviceAssignable: true,
    });
  });
});

describe('renewing a token', () => {
  let id: string;
  beforeAll(async () => {
    await removeAll();
    id = (await addNorth()).body.id;
  });

  it('refuses a token of another location (409 token.location_mismatch) and keeps the old one', async () => {
    const before = (await rt.deps.secrets.get(`accounts/${id}/token`))?.reveal();
    const answer = await rt.call('PUT', `/v1/accounts/${id}/token`, {
      body: { token: rt.tokenFile('demo-south') },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'token.location_mismatch',
      message: expect.stringContaining('South Campus'),
    });
    expect((await rt.deps.secrets.get(`accounts/${id}/token`))?.reveal()).toBe(before);
  });

  it('replaces a revoked token in place, and the account is active again', async () => {
    const old = (await rt.deps.secrets.get(`accounts/${id}/token`))?.reveal() ?? '';
    rt.simulator.revokeToken(old);
    await rt.fireSchedule('token-health');
    expect((await rt.call('GET', `/v1/accounts/${id}`)).body.status).toBe('revoked');
    const fresh = rt.simulator.issueToken('demo-north');
    const renewed = await rt.call('PUT', `/v1/accounts/${id}/token`, { body: { token: fresh } });
    expect(renewed.status).toBe(200);
    expect(renewed.body.status).toBe('active');
    expect((await rt.deps.secrets.get(`accounts/${id}/token`))?.reveal()).toBe(fresh);
  });

  it('re-claims a location another MDM took only with takeOver', async () => {
    rt.simulator.claimByOtherMdm('demo-north', { id: 'other', name: 'Other MDM', metadata: '' });
    const token = rt.tokenFile('demo-north');
    const refused = await rt.call('PUT', `/v1/accounts/${id}/token`, { body: { token } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('token.claimed_elsewhere');
    const taken = await rt.call('PUT', `/v1/accounts/${id}/token`, { body: { token, takeOver: true } });
    expect(taken.status).toBe(200);
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.mdmInfo?.id).toBe(
      `vpp-manager:local:${id}`,
    );
  });
});

describe('who may do what: SPEC §4', () => {
  let id: string;
  beforeAll(async () => {
    await removeAll();
    id = (await addNorth()).body.id;
  });

  it.each<[string, Caller, number]>([
    ['org-admin', ORG_ADMIN, 200],
    ['a listed admin', LISTED_ADMIN, 200],
    ['a viewer', VIEWER, 200],
    ['an admin not listed', OTHER_ADMIN, 404],
    ['another organisation', OTHER_ORG, 404],
  ])('GET an account as %s: %i', async (_who, as, status) => {
    const answer = await rt.call('GET', `/v1/accounts/${id}`, { as });
    expect(answer.status).toBe(status);
    if (status === 404) expect(answer.body.error.code).toBe('account.not_found');
  });

  it.each<[string, Caller, number]>([
    ['org-admin', ORG_ADMIN, 1],
    ['a listed admin', LISTED_ADMIN, 1],
    ['a viewer', VIEWER, 1],
    ['an admin not listed', OTHER_ADMIN, 0],
    ['another organisation', OTHER_ORG, 0],
  ])('lists accounts as %s: sees %i', async (_who, as, count) => {
    const answer = await rt.call('GET', '/v1/accounts', { as });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(count);
  });

  const writes: [string, string, (accountId: string) => string, unknown][] = [
    ['PATCH', 'change', (a) => `/v1/accounts/${a}`, { name: 'Renamed' }],
    ['PUT', 'renew the token', (a) => `/v1/accounts/${a}/token`, { token: 'irrelevant' }],
    ['DELETE', 'remove', (a) => `/v1/accounts/${a}`, undefined],
  ];
  it.each(writes)('%s (%s) is for org-admins only', async (method, _what, path, body) => {
    for (const [as, status] of [
      [VIEWER, 403],
      [LISTED_ADMIN, 403],
      [OTHER_ADMIN, 404],
      [OTHER_ORG, 404],
    ] as const) {
      const answer = await rt.call(method, path(id), { as, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${as.role} ${as.email}`).toBe(status);
    }
    expect((await rt.call('GET', `/v1/accounts/${id}`)).body.name).toBe('North');
  });

  it('adding an account is for org-admins only', async () => {
    for (const as of [VIEWER, LISTED_ADMIN]) {
      const answer = await rt.call('POST', '/v1/accounts', {
        as,
        body: { name: 'X', email: 'x@demo.test', token: rt.tokenFile('demo-south') },
      });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('auth.forbidden');
    }
  });

  it('a sync may be started by org-admins and listed admins, not by viewers', async () => {
    expect((await rt.call('POST', `/v1/accounts/${id}/sync`, { as: VIEWER })).status).toBe(403);
    expect((await rt.call('POST', `/v1/accounts/${id}/sync`, { as: OTHER_ADMIN })).status).toBe(404);
    const started = await rt.call('POST', `/v1/accounts/${id}/sync`, { as: LISTED_ADMIN });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      job: { type: 'sync', state: 'queued', createdBy: LISTED_ADMIN.email },
      rejected: [],
    });
    const job = await eventually(
      async () => {
        const read = await rt.call('GET', `/v1/jobs/${started.body.job.id}`, { as: LISTED_ADMIN });
        return read.body.state === 'succeeded' ? read.body : undefined;
      },
      20_000,
      'the sync job',
    );
    expect(job.summary.drift).toBeDefined();
    expect((await rt.call('GET', `/v1/jobs/${started.body.job.id}`, { as: OTHER_ORG })).status).toBe(404);
    expect((await rt.call('GET', `/v1/jobs/${started.body.job.id}`, { as: OTHER_ADMIN })).status).toBe(404);
    expect((await rt.call('GET', `/v1/jobs/${started.body.job.id}`, { as: VIEWER })).status).toBe(200);
  });

  it('the same Idempotency-Key returns the same job, and another body with it is refused', async () => {
    const headers = { 'idempotency-key': 'sync-once-123' };
    const first = await rt.call('POST', `/v1/accounts/${id}/sync`, { headers });
    const second = await rt.call('POST', `/v1/accounts/${id}/sync`, { headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.job.id).toBe(first.body.job.id);
    const otherQuery = await rt.call('POST', `/v1/accounts/${id}/sync?full=true`, { headers });
    expect(otherQuery.status).toBe(422);
    expect(otherQuery.body.error.code).toBe('idempotency.key_reused');
  });

  it('changes name, contact, admins and networks, and records who did it', async () => {
    const changed = await rt.call('PATCH', `/v1/accounts/${id}`, {
      body: {
        name: 'North Campus Apps',
        email: 'Apps@Demo.test',
        allowedAdmins: [LISTED_ADMIN.email, 'NEW@demo.test'],
        assignableNetworks: ['net-a', 'net-b'],
      },
    });
    expect(changed.status).toBe(200);
    const expected = {
      name: 'North Campus Apps',
      email: 'apps@demo.test',
      allowedAdmins: [LISTED_ADMIN.email, 'new@demo.test'],
      assignableNetworks: ['net-a', 'net-b'],
    };
    expect(changed.body).toMatchObject(expected);
    expect((await rt.call('GET', `/v1/accounts/${id}`)).body).toMatchObject(expected);
    const updated = (await auditEntries()).find(
      (e) => e.action === 'account.updated' && e.target === `account:${id}`,
    );
    expect(updated).toMatchObject({
      actor: { type: 'user', email: ORG_ADMIN.email, role: 'org-admin' },
      result: 'succeeded',
      details: { changed: ['name', 'email', 'allowedAdmins', 'assignableNetworks'] },
    });
  });

  it('refuses bad input with a clear 400 and changes nothing', async () => {
    for (const body of [
      {},
      { name: '' },
      { email: 'not-an-email' },
      { allowedAdmins: 'x' },
      { unknown: 1 },
    ]) {
      const answer = await rt.call('PATCH', `/v1/accounts/${id}`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('request.invalid');
    }
    const malformed = await rt.call('PATCH', `/v1/accounts/${id}`, {
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('request.malformed_json');
    const text = await rt.call('PATCH', `/v1/accounts/${id}`, {
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await rt.call('GET', `/v1/accounts/${id}`)).body.name).toBe('North Campus Apps');
  });

  it('removes the account, says how many assignments stay at Apple, releases the location, and purges our copy', async () => {
    // The seed holds 7 assignments of North at Apple; one more is made there, and a sync sees it.
    rt.simulator.externalAssign(
      'demo-north',
      { adamId: '361309726', pricingParam: 'STDQ' },
      { serialNumber: 'C02DELETE0001' },
    );
    const sync = await rt.call('POST', `/v1/accounts/${id}/sync?full=true`);
    await eventually(
      async () => (await rt.call('GET', `/v1/jobs/${sync.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'the sync job',
    );
    const atApple = rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.assignments;
    expect(atApple).toHaveLength(8);
    const ofAccount = async () =>
      (await everyItem()).filter((item) => (item as { pk: string }).pk === `ACCOUNT#${id}`);
    const kept = await ofAccount();
    // Assets, users (and e-mail claims), licence records, the account row and its sync record.
    expect(kept.length).toBeGreaterThan(10);
    expect(
      await rt.deps.assignments.listBySubject('demo', undefined, 'device', 'C02DELETE0001'),
    ).toHaveLength(1);

    const removed = await rt.call('DELETE', `/v1/accounts/${id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id, removed: true, assignmentsKeptAtApple: 8 });
    // Apple's assignments stay as they are.
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.assignments).toEqual(
      atApple,
    );
    expect(rt.secretNames().filter((n) => n.includes(id))).toEqual([]);
    expect((await rt.call('GET', `/v1/accounts/${id}`)).status).toBe(404);
    // Our copy goes in the background: nothing of the account is left in any table, and it says so.
    await eventually(async () => (await ofAccount()).length === 0, 20_000, 'the purge');
    // The sync's checkpoints went with its sync record.
    expect(
      (await everyItem({ checkpoints: true })).filter(
        (item) => (item as { pk: string }).pk === `ACCOUNT#${id}`,
      ),
    ).toEqual([]);
    expect(await rt.deps.assignments.listBySubject('demo', undefined, 'device', 'C02DELETE0001')).toEqual([]);
    const purged = await eventually(
      async () =>
        (await auditEntries()).find(
          (e) => e.action === 'account.data_purged' && e.target === `account:${id}`,
        ),
      20_000,
      'the purge audit entry',
    );
    // Everything but the account row and its sync record, which the removal itself deletes.
    // At least what there was (a notification that read the account before may have written again).
    expect(purged).toMatchObject({ actor: { type: 'system', id: 'account-purge' } });
    expect(purged.details.itemsRemoved).toBeGreaterThanOrEqual(kept.length - 2);
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.assignments).toEqual(
      atApple,
    );
    expect((await addNorth()).status).toBe(201);
  });
});

describe('the audit log: SPEC §5.8', () => {
  let north: string;
  let south: string;
  beforeAll(async () => {
    await removeAll();
    north = (await addNorth()).body.id;
    const created = await rt.call('POST', '/v1/accounts', {
      body: { name: 'South', email: 'south@demo.test', token: rt.tokenFile('demo-south') },
    });
    south = created.body.id;
    await tablesAtRest();
  });

  it('shows an admin only the entries of the accounts that list its e-mail', async () => {
    const targets = async (as: Caller) => (await auditEntries(as)).map((e) => e.target as string);
    const all = await targets(ORG_ADMIN);
    expect(all).toEqual(expect.arrayContaining([`account:${north}`, `account:${south}`]));
    expect(await targets(VIEWER)).toEqual(all);

    const listed = await targets(LISTED_ADMIN);
    expect(listed).toContain(`account:${north}`);
    expect(listed.every((t) => t === `account:${north}`)).toBe(true);
    // Entries of South, and of the accounts removed before (which listed this admin too), are not shown.
    expect(listed.length).toBeLessThan(all.length);

    expect(await targets(OTHER_ADMIN)).toEqual([]);
    expect(await targets(OTHER_ORG)).not.toEqual(expect.arrayContaining([`account:${north}`]));
  });

  it('fills an admin’s pages with what it may see, however many entries it may not see lie between', async () => {
    // Entries of North and South, interleaved (written through the port: this is about reading).
    for (let i = 0; i < 7; i++) {
      for (const account of [north, south, south])
        await rt.deps.audit.record({
          orgId: 'demo',
          actor: { type: 'system', id: 'test' },
          action: 'test.entry',
          target: `account:${account}`,
          result: 'succeeded',
        });
    }
    const whole = (await auditEntries(LISTED_ADMIN)).map((e) => e.id as string);
    const all = await auditEntries(ORG_ADMIN);
    expect(whole.length).toBeGreaterThanOrEqual(7);
    // Two entries it may not see after each it may see: a raw page of 2 would hold at most one of its.
    const positions = whole.map((id) => all.findIndex((e) => e.id === id));
    expect(positions[6]).toBeGreaterThanOrEqual(18);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await rt.call(
        'GET',
        `/v1/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { as: LISTED_ADMIN },
      );
      expect(page.status).toBe(200);
      pages.push(page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages.flat()).toEqual(whole);
    // Every page full but the last (the log is short enough that no page stops early).
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    expect(pages.at(-1)?.length).toBeLessThanOrEqual(2);
  });

  it('records each change of an account with who or what made it', async () => {
    expect(
      (await rt.call('PATCH', `/v1/accounts/${north}`, { body: { email: 'apps@demo.test' } })).status,
    ).toBe(200);
    const sync = await rt.call('POST', `/v1/accounts/${north}/sync`, { as: LISTED_ADMIN });
    expect(sync.status).toBe(202);
    await tablesAtRest();
    rt.simulator.revokeToken((await rt.deps.secrets.get(`accounts/${north}/token`))?.reveal() ?? '');
    await rt.fireSchedule('token-health');
    const renewed = await rt.call('PUT', `/v1/accounts/${north}/token`, {
      body: { token: rt.simulator.issueToken('demo-north') },
    });
    expect(renewed.status).toBe(200);
    await tablesAtRest();
    expect((await rt.call('DELETE', `/v1/accounts/${north}`)).status).toBe(200);

    const entries = (await auditEntries()).filter((e) => e.target === `account:${north}`);
    const orgAdmin = { type: 'user', email: ORG_ADMIN.email, role: 'org-admin' };
    const expected: [string, unknown][] = [
      ['account.removed', orgAdmin],
      ['account.token_renewed', orgAdmin],
      ['account.status_changed', { type: 'schedule', id: 'token-health' }],
      ['account.sync_requested', { type: 'user', email: LISTED_ADMIN.email, role: 'admin' }],
      ['account.updated', orgAdmin],
      ['account.created', orgAdmin],
    ];
    // Newest first.
    expect(entries.map((e) => e.action).filter((a) => expected.some(([x]) => x === a))).toEqual(
      expected.map(([action]) => action),
    );
    for (const [action, actor] of expected) {
      expect(
        entries.find((e) => e.action === action),
        action,
      ).toMatchObject({ actor, at: expect.any(String) });
    }
    expect(entries.find((e) => e.action === 'account.status_changed')?.details).toMatchObject({
      from: 'active',
      to: 'revoked',
    });
  });
});

describe('purging a removed account', () => {
  it('deletes a budget of items per message, each message queuing the next, and never a live account’s', async () => {
    await removeAll();
    const id = (await addNorth()).body.id as string;
    await eventually(async () => (await rt.deps.syncStates.get(id))?.lastSyncAt, 20_000, 'the first sync');
    await tablesAtRest();
    const ofAccount = async () =>
      (await everyItem()).filter((item) => (item as { pk: string }).pk === `ACCOUNT#${id}`);
    const before = await ofAccount();

    // A message for an account that still exists deletes nothing.
    const message = {
      type: 'account-purge' as const,
      orgId: 'demo',
      accountId: id,
      removed: 0,
      recheck: false,
    };
    expect(await purgeAccountData(rt.deps, message, 5)).toEqual({ removed: 0, done: true });
    expect(await ofAccount()).toEqual(before);

    // Removed behind the API's back (no purge queued): one message deletes 5 items and queues the rest.
    await rt.deps.accounts.remove((await rt.deps.accounts.get(id)) as Account);
    await rt.deps.syncStates.remove(id);
    // Until the purge, a device holding a licence of the removed account is removed without touching
    // Apple (its licences stay there, as the account's removal said).
    const serial = (before as { subjectType?: string; subjectId?: string }[]).find(
      (item) => item.subjectType === 'device',
    )?.subjectId as string;
    expect(serial).toBeDefined();
    expect(
      (await rt.call('PUT', '/v1/devices', { body: [{ serialNumber: serial, networkId: 'n' }] })).status,
    ).toBe(200);
    rt.simulator.resetCalls();
    const removal = await rt.call('DELETE', `/v1/devices/${serial}`);
    expect(removal.status).toBe(202);
    expect(removal.body).toMatchObject({
      job: { type: 'device-removal', state: 'succeeded', requested: 0 },
      rejected: [],
    });
    expect(rt.simulator.calls()['POST assets/revoke']).toBeUndefined();
    // Each pass, driven by hand here (the messages it would queue are caught): 5 items, the rest,
    // a later look that finds a straggler (an asset a sync that read the account before wrote after),
    // and a look that finds nothing, which ends it.
    const queued: { message: any; delaySeconds?: number }[] = [];
    const caught = {
      ...rt.deps,
      queue: {
        ...rt.deps.queue,
        send: async (_queue: string, next: unknown, options?: { delaySeconds?: number }) => {
          queued.push({ message: next, ...(options ? { delaySeconds: options.delaySeconds } : {}) });
        },
      } as typeof rt.deps.queue,
    };
    const pass = async (budget?: number) => {
      const next = queued.shift();
      expect(next).toBeDefined();
      return purgeAccountData(caught, next?.message, budget);
    };
    queued.push({ message });
    expect(await pass(5)).toEqual({ removed: 5, done: false });
    expect(await ofAccount()).toHaveLength(before.length - 2 - 5);
    expect(queued).toEqual([{ message: { ...message, removed: 5 } }]);
    expect(await pass()).toEqual({ removed: before.length - 2 - 5, done: true });
    expect(await ofAccount()).toEqual([]);
    expect(queued).toEqual([
      // The later look waits purgeRecheckSeconds (0 in tests, 900 s in AWS).
      { message: { ...message, removed: before.length - 2, recheck: true }, delaySeconds: 0 },
    ]);
    const straggler = before.find((item) => String((item as { sk: string }).sk).startsWith('ASSET#')) as any;
    await rt.deps.assets.saveAppleFacts([straggler]);
    // The straggler and the account's totals it moved.
    expect(await ofAccount()).toHaveLength(2);
    expect(await pass()).toEqual({ removed: 2, done: true });
    expect(queued).toHaveLength(1);
    const audited = async () =>
      (await auditEntries()).filter(
        (e) => e.action === 'account.data_purged' && e.target === `account:${id}`,
      );
    expect(await audited()).toEqual([]);
    expect(await pass()).toEqual({ removed: 0, done: true });
    expect(queued).toEqual([]);
    const [entry] = await audited();
    expect(entry.details).toEqual({ itemsRemoved: before.length - 2 + 2 });
  });
});
