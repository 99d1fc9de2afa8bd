import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GetAssetsResponseSchema,
  GetAssignmentsResponseSchema,
  GetUsersResponseSchema,
} from '../../../../shared/application/ports/vpp-schemas.ts';
import {
  apiFor,
  expectError,
  expectParses,
  type Json,
  LOC,
  startTestSimulator,
  type TestSimulator,
} from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;
const BOOK = { adamId: '3333333333', pricingParam: 'STDQ' } as const;

describe('GET assets', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.sim.close());

  it('lists every asset with counts that keep total = assigned + available, and a versionId', async () => {
    // Prepare
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'SER1' });
    // Act
    const answer = await apiFor(t.sim, t.token).get('assets');
    // Assess
    expect(answer.status).toBe(200);
    expectParses(GetAssetsResponseSchema, answer.body);
    expect(answer.body).toMatchObject({
      currentPageIndex: 0,
      size: 5,
      totalPages: 1,
      versionId: expect.any(String),
    });
    expect(answer.body.nextPageIndex).toBeUndefined();
    expect(answer.body.assets[0]).toEqual({
      adamId: '1111111111',
      assignedCount: 1,
      availableCount: 9,
      deviceAssignable: true,
      pricingParam: 'STDQ',
      productType: 'App',
      retiredCount: 0,
      revocable: true,
      supportedPlatforms: ['iOS'],
      totalCount: 10,
    });
    for (const a of answer.body.assets) expect(a.totalCount).toBe(a.assignedCount + a.availableCount);
  });

  it('handles unlimited assets in the three documented ways', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const omitted = await api.get('assets', { adamId: '5555555555' });
    const separate = await api.get('assets', { unlimited: true });
    const excluded = await api.get('assets', { unlimited: false });
    // Assess
    expect(omitted.body.assets).toEqual([
      expect.objectContaining({ adamId: '5555555555', totalCount: 2147483647 }),
    ]);
    expect(separate.body.assets.map((a: Json) => a.adamId)).not.toContain('5555555555');
    expect(separate.body.unlimitedAssets).toEqual([
      {
        adamId: '5555555555',
        assignedCount: 0,
        deviceAssignable: true,
        pricingParam: 'STDQ',
        productType: 'App',
        revocable: true,
        supportedPlatforms: ['iOS'],
      },
    ]);
    expect(separate.body.size).toBe(5);
    expect(excluded.body.assets).toHaveLength(4);
    expect(excluded.body.unlimitedAssets).toBeUndefined();
  });

  it('applies every filter', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'S1' });
    const ids = async (query: Record<string, string | number | boolean>) =>
      (await api.get('assets', query)).body.assets.map((a: Json) => a.adamId);
    // Act + Assess
    expect(await ids({ productType: 'Book' })).toEqual(['3333333333']);
    expect(await ids({ deviceAssignable: false })).toEqual(['3333333333', '4444444444']);
    expect(await ids({ revocable: false })).toEqual(['3333333333']);
    expect(await ids({ pricingParam: 'PLUS' })).toEqual([]);
    expect(await ids({ adamId: '2222222222' })).toEqual(['2222222222']);
    expect(await ids({ minAssignedCount: 1 })).toEqual(['1111111111']);
    expect(await ids({ maxAssignedCount: 0, unlimited: false })).toEqual([
      '2222222222',
      '3333333333',
      '4444444444',
    ]);
    expect(await ids({ maxAvailableCount: 1 })).toEqual(['2222222222']);
    expect(await ids({ minAvailableCount: 9, unlimited: false })).toEqual(['1111111111']);
    expectError(await api.get('assets', { productType: 'Movie' }), 400, 9602);
  });

  it('pages with currentPageIndex, nextPageIndex only when more, and 9650 out of range', async () => {
    // Prepare
    const small = await startTestSimulator({ pageSize: 2 });
    try {
      const api = apiFor(small.sim, small.token);
      // Act
      const first = await api.get('assets');
      const last = await api.get('assets', { pageIndex: 2 });
      const beyond = await api.get('assets', { pageIndex: 3 });
      const negative = await api.get('assets', { pageIndex: -1 });
      // Assess
      expect(first.body).toMatchObject({ currentPageIndex: 0, nextPageIndex: 1, size: 2, totalPages: 3 });
      expect(last.body).toMatchObject({ currentPageIndex: 2, size: 1, totalPages: 3 });
      expect(last.body.nextPageIndex).toBeUndefined();
      expectError(beyond, 400, 9650);
      expectError(negative, 400, 9650);
    } finally {
      await small.sim.close();
    }
  });

  it('answers an empty set as one empty page', async () => {
    // Act
    const answer = await apiFor(t.sim, t.otherToken).get('assets');
    // Assess
    expect(answer.body).toMatchObject({ assets: [], currentPageIndex: 0, size: 0, totalPages: 1 });
    expectError(await apiFor(t.sim, t.otherToken).get('assets', { pageIndex: 1 }), 400, 9650);
  });

  it('changes versionId when counts move and ignores sinceVersionId', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const before = await api.get('assets');
    // Act
    t.sim.purchase(LOC, ALPHA, 5);
    const after = await api.get('assets', { sinceVersionId: before.body.versionId });
    const bogus = await api.get('assets', { sinceVersionId: 'not-a-version' });
    // Assess
    expect(after.body.versionId).not.toBe(before.body.versionId);
    expect(after.body.assets).toHaveLength(5);
    expect(bogus.status).toBe(200);
  });
});

describe('GET assignments', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'SER1' });
    t.sim.externalAssign(LOC, ALPHA, { clientUserId: 'u-77b0' });
    t.sim.externalAssign(LOC, BOOK, { clientUserId: 'u-5f3a' });
  });
  afterEach(() => t.sim.close());

  it('lists assignments with exactly one target each', async () => {
    // Act
    const answer = await apiFor(t.sim, t.token).get('assignments');
    // Assess
    expectParses(GetAssignmentsResponseSchema, answer.body);
    expect(answer.body.assignments).toEqual([
      { adamId: '1111111111', pricingParam: 'STDQ', serialNumber: 'SER1' },
      { adamId: '1111111111', pricingParam: 'STDQ', clientUserId: 'u-77b0' },
      { adamId: '3333333333', pricingParam: 'STDQ', clientUserId: 'u-5f3a' },
    ]);
  });

  it('filters by adamId, pricingParam, clientUserId and serialNumber', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const count = async (query: Record<string, string>) =>
      (await api.get('assignments', query)).body.assignments.length;
    // Act + Assess
    expect(await count({ adamId: '1111111111' })).toBe(2);
    expect(await count({ clientUserId: 'u-5f3a' })).toBe(1);
    expect(await count({ serialNumber: 'SER1' })).toBe(1);
    expect(await count({ pricingParam: 'PLUS' })).toBe(0);
    expect(await count({ adamId: '1111111111', serialNumber: 'NOPE' })).toBe(0);
  });

  it('adds userStatus and idHash with includeUserState, and hides retired users with excludeInactiveUsers', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('users/retire', { users: [{ clientUserId: 'u-5f3a' }] });
    await t.sim.settle();
    // Act
    const withState = await api.get('assignments', { includeUserState: true });
    const activeOnly = await api.get('assignments', { excludeInactiveUsers: true });
    // Assess
    expect(withState.body.assignments).toEqual([
      { adamId: '1111111111', pricingParam: 'STDQ', serialNumber: 'SER1' },
      {
        adamId: '1111111111',
        pricingParam: 'STDQ',
        clientUserId: 'u-77b0',
        userStatus: 'Associated',
        idHash: expect.any(String),
      },
      { adamId: '3333333333', pricingParam: 'STDQ', clientUserId: 'u-5f3a', userStatus: 'Retired' },
    ]);
    expect(activeOnly.body.assignments.map((a: Json) => a.clientUserId ?? a.serialNumber)).toEqual([
      'SER1',
      'u-77b0',
    ]);
  });

  it('answers only changes since a version; removals are simply absent; unknown version is 9721', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const v1 = (await api.get('assignments')).body.versionId;
    // Act
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'SER2' });
    t.sim.externalUnassign(LOC, ALPHA, { serialNumber: 'SER1' });
    const delta = await api.get('assignments', { sinceVersionId: v1 });
    const none = await api.get('assignments', { sinceVersionId: delta.body.versionId });
    const unknown = await api.get('assignments', { sinceVersionId: '00000000-0000-4000-8000-000000000000' });
    // Assess
    expect(delta.body.versionId).not.toBe(v1);
    expect(delta.body.assignments).toEqual([
      { adamId: '1111111111', pricingParam: 'STDQ', serialNumber: 'SER2' },
    ]);
    expect(none.body).toMatchObject({
      assignments: [],
      size: 0,
      totalPages: 1,
      versionId: delta.body.versionId,
    });
    expectError(unknown, 400, 9721);
  });
});

describe('GET users', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.sim.close());

  it('lists users with status, inviteCode for Registered and idHash for Associated', async () => {
    // Act
    const answer = await apiFor(t.sim, t.token).get('users');
    // Assess
    expectParses(GetUsersResponseSchema, answer.body);
    expect(answer.body.users).toEqual([
      {
        clientUserId: 'u-5f3a',
        email: 'pupil17@example.test',
        inviteCode: expect.stringMatching(/^[0-9a-f]{32}$/),
        status: 'Registered',
      },
      { clientUserId: 'u-77b0', idHash: expect.any(String), status: 'Associated' },
    ]);
  });

  it('filters activeOnly, retiredOnly and clientUserId, and keeps retired entries beside a re-created user', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('users/retire', { users: [{ clientUserId: 'u-5f3a' }] });
    await t.sim.settle();
    await api.post('users/create', { users: [{ clientUserId: 'u-5f3a', email: 'again@example.test' }] });
    await t.sim.settle();
    // Act
    const all = await api.get('users', { clientUserId: 'u-5f3a' });
    const active = await api.get('users', { activeOnly: true });
    const retired = await api.get('users', { retiredOnly: true });
    // Assess
    expect(all.body.users.map((u: Json) => u.status)).toEqual(['Retired', 'Registered']);
    expect(active.body.users.map((u: Json) => u.clientUserId)).toEqual(['u-77b0', 'u-5f3a']);
    expect(retired.body.users).toEqual([
      expect.objectContaining({ clientUserId: 'u-5f3a', status: 'Retired' }),
    ]);
  });

  it('answers changes since a version (retired users appear as Retired), and 9721 for an unknown one', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const v1 = (await api.get('users')).body.versionId;
    await api.post('users/retire', { users: [{ clientUserId: 'u-77b0' }] });
    await t.sim.settle();
    // Act
    const delta = await api.get('users', { sinceVersionId: v1 });
    // Assess
    expect(delta.body.users).toEqual([
      expect.objectContaining({ clientUserId: 'u-77b0', status: 'Retired' }),
    ]);
    expect(delta.body.versionId).not.toBe(v1);
    expectError(await api.get('users', { sinceVersionId: 'bogus' }), 400, 9721);
    // The assignments version is a different log: a users version is unknown there.
    expectError(await api.get('assignments', { sinceVersionId: v1 }), 400, 9721);
  });

  it('pages users: 150 users in pages of 100', async () => {
    // Prepare
    const small = await startTestSimulator({ pageSize: 100 });
    try {
      const api = apiFor(small.sim, small.token);
      for (let batch = 0; batch < 2; batch += 1) {
        const users = Array.from({ length: 74 }, (_, i) => ({ clientUserId: `p-${batch}-${i}` }));
        await api.post('users/create', { users });
      }
      await small.sim.settle();
      // Act
      const page0 = await api.get('users');
      const page1 = await api.get('users', { pageIndex: 1 });
      // Assess
      expect(page0.body).toMatchObject({ currentPageIndex: 0, nextPageIndex: 1, size: 100, totalPages: 2 });
      expect(page1.body).toMatchObject({ currentPageIndex: 1, size: 50, totalPages: 2 });
      expect(page1.body.versionId).toBe(page0.body.versionId);
    } finally {
      await small.sim.close();
    }
  });
});
