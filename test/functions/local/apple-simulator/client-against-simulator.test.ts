/**
 * The real client against the Apple simulator, for every endpoint, every error class and every fault
 * the simulator can inject: the checks that need the simulator's controls (seeds, faults, Apple-side
 * actions). What any Apple-compatible server must answer is test/contract/apple-vpp-client.test.ts.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AppleSimulator,
  type FaultRule,
  startAppleSimulator,
} from '../../../../functions/local/apple-simulator/index.ts';
import { AppleVppHttpClient } from '../../../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import type { VppApiError } from '../../../../shared/application/ports/vpp-errors.ts';
import type { ResponseMeta } from '../../../../shared/application/ports/vpp-schemas.ts';
import { Secret } from '../../../../shared/domain/secret.ts';

const APP = { adamId: '100000001', pricingParam: 'STDQ' as const };
const SCARCE = { adamId: '100000002', pricingParam: 'STDQ' as const };
const USER_ONLY = { adamId: '100000003', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '100000004', pricingParam: 'STDQ' as const };
const FREE = { adamId: '100000005', pricingParam: 'STDQ' as const };

const SEED = {
  organizations: [
    {
      id: 'acme',
      name: 'Acme Schools',
      managedAppleIdDomain: 'acme.appleaccount.example',
      locations: [
        {
          id: 'acme-main',
          name: 'Main Campus',
          assets: [
            {
              ...APP,
              productType: 'App' as const,
              name: 'Pages',
              totalCount: 20_000,
              deviceAssignable: true,
            },
            { ...SCARCE, productType: 'App' as const, name: 'Scarce', totalCount: 3, deviceAssignable: true },
            {
              ...USER_ONLY,
              productType: 'App' as const,
              name: 'User Only',
              totalCount: 50,
              deviceAssignable: false,
            },
            {
              ...BOOK,
              productType: 'Book' as const,
              name: 'A Book',
              totalCount: 10,
              deviceAssignable: false,
            },
            {
              ...FREE,
              productType: 'App' as const,
              name: 'Free',
              unlimited: true as const,
              deviceAssignable: true,
            },
          ],
          users: [
            { clientUserId: 'u-registered', email: 'r@acme.test' },
            { clientUserId: 'u-associated', email: 'a@acme.test', status: 'Associated' as const },
          ],
        },
      ],
    },
  ],
};

let sim: AppleSimulator;
let token: Secret;
let receiver: Server;
let receiverUrl: string;
let receiverStatus = 200;
const received: { auth: string | undefined; body: { notificationType: string } }[] = [];

const fast = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 10_000 };
const newClient = (extra: Partial<ConstructorParameters<typeof AppleVppHttpClient>[0]> = {}) =>
  new AppleVppHttpClient({
    baseUrl: sim.baseUrl,
    retry: fast,
    eventCadence: { firstPollMs: 10, intervalMs: 20, timeoutMs: 5_000 },
    ...extra,
  });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        auth: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(receiverStatus).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/vpp`;
  sim = await startAppleSimulator({
    seed: SEED,
    pageSize: 50,
    eventDelayMs: 5,
    notificationRetryMs: 5,
    allowHttpNotifications: true,
    quiet: true,
    randomSeed: 7,
    limits: { maxRequestPerSecond: 200 },
  });
  const seeded = sim.snapshot().tokens.find((t) => t.locationId === 'acme-main');
  token = new Secret(seeded?.content ?? '');
});

afterAll(async () => {
  await sim.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetCalls();
  receiverStatus = 200;
});

describe('configuration', () => {
  it('reads service/config without credentials and takes limits and URLs from it', async () => {
    const client = newClient();
    const limits = await client.limits();
    expect(limits).toMatchObject({
      maxAssets: 25,
      maxSerialNumbers: 1000,
      maxRequestPerSecond: 200,
      maxUsers: 100,
    });
    const config = await client.serviceConfig();
    expect(config.urls.associateAssets).toBe(`${sim.baseUrl}/assets/associate`);
    expect(sim.calls()['GET service/config']).toBe(1);
  });

  it('claims the location with client/config after Apple tested the notification URL, and reads it back', async () => {
    const client = newClient();
    received.length = 0;
    const claimed = await client.updateClientConfig(token, {
      mdmInfo: { id: 'vpp-manager-acme', name: 'VPP Manager', metadata: 'tests' },
      notificationUrl: receiverUrl,
      notificationAuthToken: 'nat-secret-1',
      notificationTypes: ['ASSET_MANAGEMENT', 'ASSET_COUNT', 'USER_MANAGEMENT', 'USER_ASSOCIATED'],
    });
    expect(claimed).toMatchObject({
      uId: expect.any(String),
      locationName: 'Main Campus',
      mdmInfo: { id: 'vpp-manager-acme' },
    });
    expect(received[0]).toMatchObject({
      auth: 'Bearer nat-secret-1',
      body: { notificationType: 'TEST_NOTIFICATION' },
    });
    const read = await client.getClientConfig(token);
    expect(read.notificationUrl).toBe(receiverUrl);
    expect(read.subscribedNotificationTypes).toEqual(
      expect.arrayContaining(['ASSET_COUNT', 'USER_ASSOCIATED']),
    );
  });

  it('fails with 9728 when the notification endpoint does not answer 2xx', async () => {
    receiverStatus = 500;
    const error = await newClient()
      .updateClientConfig(token, {
        notificationUrl: receiverUrl,
        notificationAuthToken: 'x',
        notificationTypes: ['ASSET_COUNT'],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'notification_unreachable', errorNumber: 9728 });
  });

  it('surfaces another MDM on every answer', async () => {
    const seen: ResponseMeta[] = [];
    const client = newClient({ observer: { onMeta: (_t, meta) => seen.push(meta) } });
    sim.claimByOtherMdm('acme-main', { id: 'other-mdm', name: 'Other MDM', metadata: 'x' });
    const assets = await client.readAssets(token);
    expect(assets.meta.mdmInfo?.id).toBe('other-mdm');
    expect(seen.at(-1)?.mdmInfo?.name).toBe('Other MDM');
  });
});

describe('paged reads', () => {
  it('reads every asset across pages with filters, counts that add up, and unlimited assets', async () => {
    const client = newClient();
    const all = await client.readAssets(token);
    expect(all.items.map((a) => a.adamId).sort()).toEqual([
      '100000001',
      '100000002',
      '100000003',
      '100000004',
      '100000005',
    ]);
    for (const asset of all.items) expect(asset.assignedCount + asset.availableCount).toBe(asset.totalCount);
    expect(all.items.find((a) => a.adamId === '100000005')?.totalCount).toBe(2_147_483_647);
    const books = await client.readAssets(token, { productType: 'Book' });
    expect(books.items.map((a) => a.adamId)).toEqual(['100000004']);
    expect(books.items[0]).toMatchObject({ deviceAssignable: false, revocable: false });
  });

  it('follows nextPageIndex over many pages and reads incrementally from the first page version', async () => {
    const client = newClient();
    const serials = Array.from({ length: 120 }, (_, i) => `PAGE${i}`);
    await client.associateAssets(token, { assets: [APP], serialNumbers: serials });
    await sim.settle();
    const full = await client.readAssignments(token, { adamId: APP.adamId });
    expect(full.pages).toBeGreaterThanOrEqual(3);
    expect(full.items.filter((a) => a.serialNumber?.startsWith('PAGE'))).toHaveLength(120);

    const nothingNew = await client.readAssignments(token, { sinceVersionId: full.versionId });
    expect(nothingNew.items).toHaveLength(0);

    sim.externalAssign('acme-main', APP, { serialNumber: 'LATE-1' });
    const incremental = await client.readAssignments(token, { sinceVersionId: full.versionId });
    expect(incremental.items.map((a) => a.serialNumber)).toEqual(['LATE-1']);
  });

  it('reports an unknown version as 9721 so the caller can fall back to a full read', async () => {
    const error = await newClient()
      .readUsers(token, { sinceVersionId: 'no-such-version' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unknown_version', errorNumber: 9721 });
  });

  it('keeps reading when the version changes between pages, and says the walk was not stable', async () => {
    sim.setFaults({ versionChangeBetweenPages: true });
    const read = await newClient().readAssignments(token);
    expect(read.consistent).toBe(false);
    expect(read.items.length).toBeGreaterThanOrEqual(120);
  });

  it('reads every record when totalPages grows during the walk', async () => {
    const before = (await newClient().readAssignments(token)).items.length;
    sim.setFaults({ pagesGrow: true });
    const read = await newClient().readAssignments(token);
    expect(read.items.length).toBeGreaterThan(before);
  });
});

describe('asynchronous writes and events', () => {
  it('grants one app to 2,500 devices in 3 associate calls and follows each event to COMPLETE', async () => {
    const client = newClient();
    const serials = Array.from({ length: 2_500 }, (_, i) => `BULK${i}`);
    const submitted = await client.associateAssets(token, { assets: [APP], serialNumbers: serials });
    expect(submitted.events).toHaveLength(3);
    expect(sim.calls()['POST assets/associate']).toBe(3);
    const outcomes = await Promise.all(submitted.events.map((e) => client.followEvent(token, e.eventId)));
    expect(outcomes.map((o) => o.state)).toEqual(['complete', 'complete', 'complete']);
    expect(outcomes.reduce((n, o) => n + o.numCompleted, 0)).toBe(2_500);
  });

  it('tells a partly failed event apart, naming each subject that got 9709', async () => {
    const client = newClient();
    const submitted = await client.associateAssets(token, {
      assets: [SCARCE],
      serialNumbers: ['S1', 'S2', 'S3', 'S4', 'S5'],
    });
    const [event] = submitted.events;
    await sim.settle();
    const outcome = await client.eventStatus(token, event?.eventId ?? '');
    expect(outcome).toMatchObject({ state: 'partial', numRequested: 5, numCompleted: 3 });
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]).toMatchObject({ errorNumber: 9709, kind: 'not_enough_licenses' });
    expect(outcome.failures[0]?.serialNumbers).toHaveLength(2);
  });

  it('reports 9609 for an unknown user as a failure of the event', async () => {
    const client = newClient();
    const submitted = await client.associateAssets(token, { assets: [USER_ONLY], clientUserIds: ['nobody'] });
    await sim.settle();
    const outcome = await client.eventStatus(token, submitted.events[0]?.eventId ?? '');
    expect(outcome).toMatchObject({
      state: 'failed',
      failures: [{ errorNumber: 9609, kind: 'user_not_found', clientUserIds: ['nobody'] }],
    });
  });

  it('refuses synchronously what Apple refuses synchronously: 9707, 9706, 9708', async () => {
    const client = newClient();
    const toDevice = await client.associateAssets(token, { assets: [USER_ONLY], serialNumbers: ['X1'] });
    expect(toDevice.events).toHaveLength(0);
    expect(toDevice.rejected[0]?.error).toMatchObject({
      kind: 'not_device_assignable',
      errorNumber: 9707,
      httpStatus: 400,
    });
    const takeBook = await client.disassociateAssets(token, {
      assets: [BOOK],
      clientUserIds: ['u-associated'],
    });
    expect(takeBook.rejected[0]?.error).toMatchObject({ kind: 'not_revocable', errorNumber: 9706 });
    await expect(client.eventStatus(token, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      kind: 'event_not_found',
      errorNumber: 9708,
    });
  });

  it('disassociates one asset and revokes everything of a subject', async () => {
    const client = newClient();
    await client.associateAssets(token, { assets: [APP, FREE], serialNumbers: ['REV-1'] });
    await sim.settle();
    const one = await client.disassociateAssets(token, { assets: [APP], serialNumbers: ['REV-1'] });
    await sim.settle();
    expect((await client.eventStatus(token, one.events[0]?.eventId ?? '')).state).toBe('complete');
    let held = await client.readAssignments(token, { serialNumber: 'REV-1' });
    expect(held.items.map((a) => a.adamId)).toEqual([FREE.adamId]);
    const all = await client.revokeAssets(token, { serialNumbers: ['REV-1'] });
    await sim.settle();
    expect((await client.eventStatus(token, all.events[0]?.eventId ?? '')).eventType).toBe('REVOKE');
    held = await client.readAssignments(token, { serialNumber: 'REV-1' });
    expect(held.items).toHaveLength(0);
  });

  it('creates users 100 a call, updates and retires them', async () => {
    const client = newClient();
    const users = Array.from({ length: 250 }, (_, i) => ({
      clientUserId: `bulk-${i}`,
      email: `bulk${i}@acme.test`,
    }));
    const created = await client.createUsers(token, users);
    expect(created.events).toHaveLength(3);
    await sim.settle();
    const registered = await client.readUsers(token, { clientUserId: 'bulk-7' });
    expect(registered.items[0]).toMatchObject({
      status: 'Registered',
      inviteCode: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const managed = await client.createUsers(token, [
      { clientUserId: 'mgd', managedAppleId: 'kim@acme.appleaccount.example' },
    ]);
    await sim.settle();
    expect((await client.eventStatus(token, managed.events[0]?.eventId ?? '')).state).toBe('complete');
    expect((await client.readUsers(token, { clientUserId: 'mgd' })).items[0]?.status).toBe('Associated');

    await client.updateUsers(token, [{ clientUserId: 'bulk-7', email: 'new7@acme.test' }]);
    const retired = await client.retireUsers(token, [{ clientUserId: 'bulk-8' }, { clientUserId: 'ghost' }]);
    await sim.settle();
    const outcome = await client.eventStatus(token, retired.events[0]?.eventId ?? '');
    expect(outcome).toMatchObject({
      state: 'partial',
      failures: [{ errorNumber: 9609, clientUserIds: ['ghost'] }],
    });
    expect((await client.readUsers(token, { clientUserId: 'bulk-7' })).items[0]?.email).toBe(
      'new7@acme.test',
    );
    expect((await client.readUsers(token, { clientUserId: 'bulk-8' })).items[0]?.status).toBe('Retired');
  });

  it('rejects a duplicate active clientUserId asynchronously with 9716', async () => {
    const client = newClient();
    const again = await client.createUsers(token, [{ clientUserId: 'u-registered', email: 'r@acme.test' }]);
    await sim.settle();
    const outcome = await client.eventStatus(token, again.events[0]?.eventId ?? '');
    expect(outcome.failures[0]).toMatchObject({ errorNumber: 9716, kind: 'user_exists' });
  });
});

describe('token errors', () => {
  it.each([
    ['expired', (t: string) => sim.expireToken(t), 'token_expired', 9621],
    ['revoked', (t: string) => sim.revokeToken(t), 'token_revoked', 9625],
  ])('classifies a %s token', async (_name, act, kind, errorNumber) => {
    const fresh = new Secret(sim.issueToken('acme-main'));
    act(fresh.reveal());
    const error = await newClient()
      .readAssets(fresh)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind, errorNumber, httpStatus: 401 });
    expect((error as VppApiError).isTokenProblem).toBe(true);
  });

  it('classifies an unknown token and a malformed header', async () => {
    const unknown = Buffer.from(
      JSON.stringify({ token: 'nope', expDate: '2030-01-01T00:00:00+0000', orgName: 'X' }),
    ).toString('base64');
    await expect(newClient().readAssets(new Secret(unknown))).rejects.toMatchObject({
      kind: 'token_invalid',
      errorNumber: 9622,
    });
    // The client never sends a header Apple would call malformed (below): Apple's 9722 comes by a fault.
    sim.setFaults({
      rules: [{ endpoint: 'GET assets', kind: 'server_error', status: 401, errorNumber: 9722 }],
    });
    await expect(newClient().readAssets(token)).rejects.toMatchObject({
      kind: 'token_invalid',
      errorNumber: 9722,
    });
  });

  it.each([
    ['two words', 'two words'],
    ['a line break', `${'QUJD'.repeat(19)}\n${'REVG'.repeat(10)}`],
    ['a CRLF', `${'QUJD'.repeat(19)}\r\n${'REVG'.repeat(10)}`],
    ['a control character', 'QUJDREVG\u0000QUJD'],
    ['a non-ASCII character', 'QUJDREVG\u00e9QUJD'],
  ])(
    'refuses a token with %s at once: no request, no retry, the value never in the error',
    async (_n, value) => {
      // Act
      const error = (await newClient()
        .readAssets(new Secret(value))
        .catch((e: unknown) => e)) as VppApiError;
      // Assess: a token problem (the API answers 422), not a network error retried for seconds
      expect(error).toMatchObject({ kind: 'token_invalid', errorNumber: undefined });
      expect(sim.calls()).toEqual({});
      expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(value);
    },
  );
});

describe('faults', () => {
  it('retries a throttled read, honouring Retry-After', async () => {
    sim.setFaults({ rules: [{ endpoint: 'GET assets', kind: 'throttle', times: 2, retryAfter: '1' }] });
    const started = Date.now();
    const read = await newClient().readAssets(token);
    expect(read.items.length).toBe(5);
    expect(sim.calls()['GET assets']).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it.each<[string, FaultRule]>([
    ['a 502 with an HTTP-date Retry-After', { kind: 'server_error', status: 502, retryAfter: 'DATE' }],
    ['a 500 with 9603', { kind: 'server_error', errorNumber: 9603 }],
    ['503 with 9729', { kind: 'unavailable' }],
    ['a dropped connection', { kind: 'drop_connection' }],
    ['an answer slower than the timeout', { kind: 'slow', delayMs: 1_500 }],
  ])('retries a read after %s', async (_name, fault) => {
    const retryAfter =
      fault.retryAfter === 'DATE' ? { retryAfter: new Date(Date.now() + 1_000).toUTCString() } : {};
    sim.setFaults({ rules: [{ ...fault, endpoint: 'GET users', times: 1, ...retryAfter }] });
    const read = await newClient({ requestTimeoutMs: 500 }).readUsers(token, {
      clientUserId: 'u-registered',
    });
    expect(read.items.length).toBeGreaterThan(0);
    expect(sim.calls()['GET users']).toBe(2);
  });

  it('notices an error answered with HTTP 200 (legacy behaviour)', async () => {
    const fresh = new Secret(sim.issueToken('acme-main'));
    sim.revokeToken(fresh.reveal());
    sim.setFaults({ rules: [{ kind: 'legacy200' }] });
    await expect(newClient().readAssets(fresh)).rejects.toMatchObject({
      kind: 'token_revoked',
      errorNumber: 9625,
      httpStatus: 200,
    });
  });

  it('sends a write again after 9646 or 9729 (Apple took nothing), never after an unknown outcome', async () => {
    sim.setFaults({
      rules: [
        { endpoint: 'POST assets/associate', kind: 'throttle', times: 1, retryAfter: '0' },
        { endpoint: 'POST assets/associate', kind: 'unavailable', times: 1, retryAfter: '0' },
      ],
    });
    const client = newClient();
    const retried = await client.associateAssets(token, { assets: [APP], serialNumbers: ['W-1'] });
    expect(retried.events).toHaveLength(1);
    expect(sim.calls()['POST assets/associate']).toBe(3);

    sim.resetCalls();
    sim.setFaults({ rules: [{ endpoint: 'POST assets/associate', kind: 'accept_then_fail', times: 1 }] });
    const unknown = await client.associateAssets(token, { assets: [APP], serialNumbers: ['W-2'] });
    expect(unknown.events).toHaveLength(0);
    expect(unknown.rejected[0]?.error.kind).toBe('outcome_unknown');
    expect(sim.calls()['POST assets/associate']).toBe(1);
    await sim.settle();
    // Apple did take it: re-reading shows the assignment, which a blind replay would have doubled.
    const held = await client.readAssignments(token, { serialNumber: 'W-2' });
    expect(held.items).toHaveLength(1);
  });

  it('reports an event failed by maintenance (async 9644) apart from licence failures', async () => {
    sim.setFaults({ events: { maintenanceProbability: 1 } });
    const client = newClient();
    const submitted = await client.associateAssets(token, {
      assets: [APP],
      serialNumbers: ['MAINT-1', 'MAINT-2'],
    });
    await sim.settle();
    const outcome = await client.eventStatus(token, submitted.events[0]?.eventId ?? '');
    expect(outcome.state).toBe('failed');
    expect(outcome.failures).toEqual([
      expect.objectContaining({
        errorNumber: 9644,
        kind: 'service_unavailable',
        serialNumbers: ['MAINT-1', 'MAINT-2'],
      }),
    ]);
    // Maintenance changed nothing at Apple.
    expect((await client.readAssignments(token, { serialNumber: 'MAINT-1' })).items).toHaveLength(0);
  });

  describe('when Apple refuses a request its own service/config would not have allowed', () => {
    // Apple lowered its limits after the client cached them (or a proxy duplicated entries): the
    // simulator enforces its real limits and duplicates; the client must classify, not resend.
    let strict: AppleSimulator;
    let strictToken: Secret;
    beforeAll(async () => {
      strict = await startAppleSimulator({
        seed: SEED,
        quiet: true,
        limits: { maxAssets: 2, maxSerialNumbers: 3, maxClientUserIds: 3 },
      });
      strictToken = new Secret(strict.snapshot().tokens[0]?.content ?? '');
    });
    afterAll(async () => {
      await strict.close();
    });

    /** A fetch that shows the client Apple's documented limits, and can tamper with request bodies. */
    const tampering =
      (edit: (body: { serialNumbers?: string[]; assets?: unknown[] }) => void = () => {}): typeof fetch =>
      async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (init?.method === 'POST' && typeof init.body === 'string') {
          const body = JSON.parse(init.body);
          edit(body);
          init = { ...init, body: JSON.stringify(body) };
        }
        const answer = await fetch(input, init);
        if (!url.endsWith('/service/config')) return answer;
        const config = (await answer.json()) as { limits?: Record<string, number> };
        config.limits = { ...config.limits, maxAssets: 25, maxSerialNumbers: 1000, maxClientUserIds: 1000 };
        return new Response(JSON.stringify(config), { status: answer.status, headers: answer.headers });
      };

    it.each([
      ['too many assets (9700)', { assets: [APP, FREE, SCARCE], serialNumbers: ['L-1'] }, 9700],
      [
        'too many serial numbers (9702)',
        { assets: [APP], serialNumbers: ['L-1', 'L-2', 'L-3', 'L-4'] },
        9702,
      ],
      ['too many user ids (9701)', { assets: [APP], clientUserIds: ['a', 'b', 'c', 'd'] }, 9701],
    ])('classifies %s as limit_exceeded and does not resend it', async (_name, request, errorNumber) => {
      strict.resetCalls();
      const client = new AppleVppHttpClient({ baseUrl: strict.baseUrl, retry: fast, fetch: tampering() });
      const answer = await client.associateAssets(strictToken, request);
      expect(answer.events).toHaveLength(0);
      expect(answer.rejected[0]?.error).toMatchObject({
        kind: 'limit_exceeded',
        errorNumber,
        httpStatus: 400,
      });
      expect(strict.calls()['POST assets/associate']).toBe(1);
    });

    it.each([
      ['assets (9703)', (b: { assets?: unknown[] }) => b.assets?.push(b.assets[0]), 9703],
      ['serial numbers (9705)', (b: { serialNumbers?: string[] }) => b.serialNumbers?.push('D-1'), 9705],
    ])('classifies duplicate %s as duplicate', async (_name, edit, errorNumber) => {
      strict.resetCalls();
      const client = new AppleVppHttpClient({ baseUrl: strict.baseUrl, retry: fast, fetch: tampering(edit) });
      const answer = await client.associateAssets(strictToken, { assets: [APP], serialNumbers: ['D-1'] });
      expect(answer.rejected[0]?.error).toMatchObject({ kind: 'duplicate', errorNumber });
      expect(strict.calls()['POST assets/associate']).toBe(1);
    });
  });

  it('stays under maxRequestPerSecond with its own limiter: no request is throttled', async () => {
    const limited = await startAppleSimulator({
      seed: SEED,
      quiet: true,
      limits: { maxRequestPerSecond: 20 },
    });
    try {
      const limitedToken = new Secret(limited.snapshot().tokens[0]?.content ?? '');
      const client = new AppleVppHttpClient({ baseUrl: limited.baseUrl, retry: { ...fast, maxAttempts: 1 } });
      const reads = await Promise.all(Array.from({ length: 30 }, () => client.getClientConfig(limitedToken)));
      expect(reads).toHaveLength(30);
      expect(limited.calls()['GET client/config']).toBe(30);
    } finally {
      await limited.close();
    }
  });

  it('reads names and icons from the content metadata lookup', async () => {
    const found = await newClient().contentMetadata(token, [APP.adamId, BOOK.adamId, '999'], {
      country: 'US',
      platform: 'volumestore',
    });
    expect(found.get(APP.adamId)).toMatchObject({
      name: 'Pages',
      iconUrl: expect.stringContaining(`/artwork/${APP.adamId}/512x512bb.png`),
    });
    expect(found.get(BOOK.adamId)?.name).toBe('A Book');
    expect(found.has('999')).toBe(false);
  });
});
