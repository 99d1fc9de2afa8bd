import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppleSimulator } from '../../../../functions/local/apple-simulator/index.ts';
import { ServiceConfigSchema } from '../../../../shared/application/ports/vpp-schemas.ts';
import { parseContentToken } from '../../../../shared/domain/content-token.ts';
import {
  apiFor,
  call,
  expectError,
  expectParses,
  LOC,
  startTestSimulator,
  TEST_SEED,
  type TestSimulator,
  UID,
} from './support.ts';

describe('GET service/config', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator({ limits: { maxSerialNumbers: 500 } });
  });
  afterEach(() => t.sim.close());

  it('answers without authentication, with every URL pointing back at the simulator', async () => {
    // Prepare: nothing.
    // Act
    const answer = await call(t.sim.baseUrl, 'GET', 'service/config');
    // Assess
    expect(answer.status).toBe(200);
    const config = expectParses(ServiceConfigSchema, answer.body);
    const base = t.sim.baseUrl;
    expect(config.urls).toEqual({
      invitationEmail: `${t.sim.url}/invitation?inviteCode=%25inviteCode%25`,
      clientConfig: `${base}/client/config`,
      createUsers: `${base}/users/create`,
      getAssignments: `${base}/assignments`,
      revokeAssets: `${base}/assets/revoke`,
      contentMetadataLookup: `${t.sim.url}/lookup`,
      getUsers: `${base}/users`,
      eventStatus: `${base}/status`,
      associateAssets: `${base}/assets/associate`,
      disassociateAssets: `${base}/assets/disassociate`,
      updateUsers: `${base}/users/update`,
      getAssets: `${base}/assets`,
      retireUsers: `${base}/users/retire`,
    });
    expect(config.notificationTypes).toEqual([
      'ASSET_MANAGEMENT',
      'USER_MANAGEMENT',
      'USER_ASSOCIATED',
      'ASSET_COUNT',
    ]);
    expect(answer.body.uId).toBeUndefined();
  });

  it('serves Apple example limits with overrides, and the whole error table', async () => {
    // Act
    const { body } = await call(t.sim.baseUrl, 'GET', 'service/config');
    // Assess
    expect(body.limits).toMatchObject({
      maxAssets: 25,
      maxClientUserIds: 1000,
      maxSerialNumbers: 500,
      maxRevokeClientUserIds: 100,
      maxRevokeSerialNumbers: 100,
      maxUsers: 100,
      maxNotificationLength: 512,
      maxMdmNameLength: 100,
      maxMdmMetadataLength: 255,
      maxMdmIdLength: 100,
      maxRequestPerSecond: 15,
      maxSubscriptions: 25,
      maxSubscriptionClientUserIds: 1000,
    });
    const numbers = body.errorCodes.map((e: { errorNumber: number }) => e.errorNumber);
    expect(numbers).toEqual(
      expect.arrayContaining([9601, 9621, 9622, 9625, 9646, 9709, 9716, 9722, 9728, 9729]),
    );
  });

  it('counts calls per endpoint and resets them', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    await call(t.sim.baseUrl, 'GET', 'service/config');
    await api.get('assets');
    await api.get('assets');
    await api.post('assets/associate', {
      assets: [{ adamId: '1111111111', pricingParam: 'STDQ' }],
      serialNumbers: ['S1'],
    });
    await call(t.sim.url, 'GET', 'lookup', { query: { id: '1111111111' } });
    await call(t.sim.url, 'GET', '_sim/state');
    await call(t.sim.url, 'GET', 'invitation', { query: { inviteCode: 'x' } });
    // Assess
    expect(t.sim.calls()).toEqual({
      'GET service/config': 1,
      'GET assets': 2,
      'POST assets/associate': 1,
      'GET lookup': 1,
    });
    t.sim.resetCalls();
    expect(t.sim.calls()).toEqual({});
  });
});

describe('authentication', () => {
  let t: TestSimulator;
  let clock: Date;
  beforeEach(async () => {
    clock = new Date('2026-01-10T12:00:00Z');
    t = await startTestSimulator({ now: () => clock });
  });
  afterEach(() => t.sim.close());

  it('issues real .vpptoken contents: base64 JSON {token, expDate, orgName} (reference §12(a))', () => {
    // Act
    const content = t.sim.issueToken(LOC, { expiresAt: new Date('2027-03-01T10:00:00Z') });
    // Assess
    const decoded = JSON.parse(Buffer.from(content, 'base64').toString('utf8'));
    expect(Object.keys(decoded)).toEqual(['token', 'expDate', 'orgName']);
    expect(decoded).toMatchObject({
      expDate: '2027-03-01T10:00:00+0000',
      orgName: 'Example School District',
    });
    expect(decoded.token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const parsed = parseContentToken(content, clock);
    expect(parsed.ok).toBe(true);
  });

  it('accepts the whole file content as bearer and adds uId and tokenExpirationDate (+0000) to answers', async () => {
    // Prepare
    const content = t.sim.issueToken(LOC, { expiresAt: new Date('2027-03-01T10:00:00Z') });
    // Act
    const answer = await apiFor(t.sim, content).get('client/config');
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ uId: UID, tokenExpirationDate: '2027-03-01T10:00:00+0000' });
    expect(answer.body.mdmInfo).toBeUndefined();
  });

  it('maps several tokens to one location (same uId)', async () => {
    // Prepare
    const second = t.sim.issueToken(LOC);
    // Act
    const a = await apiFor(t.sim, t.token).get('users');
    const b = await apiFor(t.sim, second).get('users');
    // Assess
    expect(a.body.uId).toBe(UID);
    expect(b.body.uId).toBe(UID);
    expect(b.body.versionId).toBe(a.body.versionId);
  });

  it('answers 9722/401 without or with a malformed Authorization header', async () => {
    // Act
    const missing = await call(t.sim.baseUrl, 'GET', 'assets');
    const basic = await call(t.sim.baseUrl, 'GET', 'assets', {
      headers: { Authorization: `Basic ${t.token}` },
    });
    const empty = await call(t.sim.baseUrl, 'GET', 'assets', { headers: { Authorization: 'Bearer ' } });
    // Assess
    expectError(missing, 401, 9722);
    expectError(basic, 401, 9722);
    expectError(empty, 401, 9722);
  });

  it('answers 9622/401 for an unknown token by default', async () => {
    // Act
    const answer = await apiFor(t.sim, 'eyJ0b2tlbiI6Im5vcGUifQ==').get('assets');
    // Assess
    expectError(answer, 401, 9622);
  });

  it('answers 9601/401 for an unknown token when configured so', async () => {
    // Prepare
    const other = await startAppleSimulator({ quiet: true, unknownTokenError: 9601 });
    try {
      // Act
      const answer = await apiFor(other, 'eyJ0b2tlbiI6Im5vcGUifQ==').get('assets');
      // Assess
      expectError(answer, 401, 9601);
    } finally {
      await other.close();
    }
  });

  it('answers 9621/401 once the token expired by the clock, or when expired by Apple', async () => {
    // Prepare
    const shortLived = t.sim.issueToken(LOC, { expiresAt: new Date('2026-01-11T00:00:00Z') });
    expect((await apiFor(t.sim, shortLived).get('assets')).status).toBe(200);
    // Act
    clock = new Date('2026-01-12T00:00:00Z');
    const byClock = await apiFor(t.sim, shortLived).get('assets');
    t.sim.expireToken(t.token);
    const byApple = await apiFor(t.sim, t.token).get('assets');
    // Assess
    expectError(byClock, 401, 9621);
    expectError(byApple, 401, 9621);
  });

  it('answers 9625/401 for a revoked token while other tokens of the location keep working', async () => {
    // Prepare
    const other = t.sim.issueToken(LOC);
    // Act
    t.sim.revokeToken(t.token);
    // Assess
    expectError(await apiFor(t.sim, t.token).get('assets'), 401, 9625);
    expect((await apiFor(t.sim, other).get('assets')).status).toBe(200);
  });

  it('echoes mdmInfo on every authenticated answer once set, including another MDM taking over', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('client/config', { mdmInfo: { id: 'ours', name: 'Our MDM', metadata: 'v1' } });
    // Act
    const mine = await api.get('assignments');
    t.sim.claimByOtherMdm(LOC, { id: 'theirs', name: 'Other MDM', metadata: 'x' });
    const theirs = await api.post('users/create', { users: [{ clientUserId: 'z' }] });
    // Assess
    expect(mine.body.mdmInfo).toEqual({ id: 'ours', name: 'Our MDM', metadata: 'v1' });
    expect(theirs.body.mdmInfo).toEqual({ id: 'theirs', name: 'Other MDM', metadata: 'x' });
  });
});

describe('request handling errors', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.sim.close());

  it('answers 404 with a JSON 9602 body for an unknown path', async () => {
    // Act
    const apple = await call(t.sim.baseUrl, 'GET', 'nope', { token: t.token });
    const root = await call(t.sim.url, 'GET', 'elsewhere');
    // Assess
    expect(apple.status).toBe(404);
    expect(apple.body).toEqual({ errorNumber: 9602, errorMessage: 'Unknown endpoint' });
    expect(root.status).toBe(404);
  });

  it('answers 9726/405 for a method the endpoint does not support', async () => {
    // Act
    const deleteAssets = await call(t.sim.baseUrl, 'DELETE', 'assets', { token: t.token });
    const getAssociate = await call(t.sim.baseUrl, 'GET', 'assets/associate', { token: t.token });
    const postServiceConfig = await call(t.sim.baseUrl, 'POST', 'service/config', { body: {} });
    // Assess
    expectError(deleteAssets, 405, 9726);
    expectError(getAssociate, 405, 9726);
    expectError(postServiceConfig, 405, 9726);
  });

  it('answers 9727/415 for a POST that is not application/json', async () => {
    // Act
    const answer = await call(t.sim.baseUrl, 'POST', 'users/create', {
      token: t.token,
      rawBody: '{"users":[{"clientUserId":"a"}]}',
      headers: { 'Content-Type': 'text/plain' },
    });
    // Assess
    expectError(answer, 415, 9727);
  });

  it('answers 413 for a body beyond 10 MB', async () => {
    // Act
    const answer = await call(t.sim.baseUrl, 'POST', 'users/create', {
      token: t.token,
      rawBody: `{"users":"${'x'.repeat(11 * 1024 * 1024)}"}`,
      headers: { 'Content-Type': 'application/json' },
    });
    // Assess
    expectError(answer, 413, 9602);
  });

  it('answers 9602/400 for a body that is not JSON or not the documented shape', async () => {
    // Act
    const garbage = await call(t.sim.baseUrl, 'POST', 'users/create', {
      token: t.token,
      rawBody: '{not json',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const wrongShape = await apiFor(t.sim, t.token).post('users/create', { users: [{ clientUserId: 42 }] });
    const badQuery = await apiFor(t.sim, t.token).get('assets', { revocable: 'maybe' });
    // Assess
    expectError(garbage, 400, 9602);
    expectError(wrongShape, 400, 9602);
    expectError(badQuery, 400, 9602);
  });
});

describe('startup', () => {
  it('rejects when the port is taken', async () => {
    // Prepare
    const first = await startAppleSimulator({ quiet: true });
    const port = Number(new URL(first.url).port);
    try {
      // Act + Assess
      await expect(startAppleSimulator({ quiet: true, port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe('seeding', () => {
  it('returns ids, uIds and token contents, and refuses contradictory seeds', async () => {
    // Prepare
    const sim = await startAppleSimulator({ quiet: true });
    try {
      // Act
      const result = sim.seed(TEST_SEED);
      // Assess
      expect(result.locations.map((l) => [l.id, l.uId, l.organizationId, l.tokens.length])).toEqual([
        ['loc-1', UID, 'acme', 1],
        ['loc-2', '3300000000000043', 'acme', 1],
      ]);
      expect(() => sim.seed(TEST_SEED)).toThrow(/already exists/);
      expect(() =>
        sim.seed({
          organizations: [
            {
              id: 'acme',
              name: 'Example School District',
              locations: [
                {
                  id: 'loc-3',
                  name: 'x',
                  assets: [
                    {
                      adamId: '9',
                      pricingParam: 'STDQ',
                      productType: 'App',
                      name: 'A',
                      totalCount: 1,
                      deviceAssignable: true,
                    },
                  ],
                  assignments: [
                    { adamId: '9', pricingParam: 'STDQ', serialNumber: 'A' },
                    { adamId: '9', pricingParam: 'STDQ', serialNumber: 'B' },
                  ],
                },
              ],
            },
          ],
        }),
      ).toThrow(/no licence/);
    } finally {
      await sim.close();
    }
  });

  it('seeds books as neither device-assignable nor revocable, whatever the input says', async () => {
    // Prepare
    const sim = await startAppleSimulator({ quiet: true });
    try {
      // Act
      sim.seed({
        organizations: [
          {
            id: 'o',
            name: 'O',
            locations: [
              {
                id: 'l',
                name: 'L',
                assets: [
                  {
                    adamId: '7',
                    pricingParam: 'PLUS',
                    productType: 'Book',
                    name: 'B',
                    totalCount: 1,
                    deviceAssignable: true,
                    revocable: true,
                  },
                ],
              },
            ],
          },
        ],
      });
      // Assess
      expect(sim.snapshot().locations[0]?.assets[0]).toMatchObject({
        deviceAssignable: false,
        revocable: false,
      });
    } finally {
      await sim.close();
    }
  });
});
