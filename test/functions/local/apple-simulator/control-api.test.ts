import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AppleSimulator,
  CONTROLS,
  startAppleSimulator,
} from '../../../../functions/local/apple-simulator/index.ts';
import { apiFor, call, type Json, LOC, OTHER_LOC, startReceiver, TEST_SEED } from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;

describe('control API over HTTP (/_sim)', () => {
  let sim: AppleSimulator;
  const control = (method: string, path: string, body?: unknown) =>
    call(sim.url, method, `_sim/${path}`, body === undefined ? {} : { body });
  beforeEach(async () => {
    sim = await startAppleSimulator({
      quiet: true,
      allowHttpNotifications: true,
      enforceRateLimit: false,
      eventDelayMs: 60_000,
      notificationRetryMs: 60_000,
    });
  });
  afterEach(() => sim.close());

  it('lists every control at GET /_sim/, each with its body as JSON Schema, and serves each one listed', async () => {
    // Act
    const listed = await control('GET', '');
    const bare = await call(sim.url, 'GET', '_sim');
    const served = [];
    for (const c of listed.body.controls) {
      const body = c.method === 'GET' ? {} : { body: {} };
      served.push((await call(sim.url, c.method, c.path.slice(1), body)).status);
    }
    // Assess
    expect(listed.status).toBe(200);
    expect(bare.body).toEqual(listed.body);
    expect(listed.body.controls.map((c: Json) => `${c.method} ${c.path}`)).toEqual(
      CONTROLS.map((c) => `${c.method} ${c.path}`),
    );
    for (const c of listed.body.controls) {
      expect(typeof c.does).toBe('string');
      expect(typeof c.answers).toBe('string');
      expect(c.body === null || c.body.type === 'object').toBe(true);
    }
    const byRoute = new Map(listed.body.controls.map((c: Json) => [`${c.method} ${c.path}`, c]));
    const purchase: Json = byRoute.get('POST /_sim/actions/purchase');
    expect(purchase.body.required).toEqual(['locationId', 'asset', 'count']);
    expect(purchase.body.properties.asset.properties.pricingParam.enum).toContain('STDQ');
    expect(Object.keys(purchase.body.properties)).toContain('details');
    const faults: Json = byRoute.get('PUT /_sim/faults');
    expect(Object.keys(faults.body.properties)).toEqual(expect.arrayContaining(['rules', 'notifications']));
    const seed: Json = byRoute.get('POST /_sim/seed');
    expect(seed.body.required).toEqual(['organizations']);
    expect(byRoute.get('POST /_sim/settle')).toMatchObject({ body: null });
    // An empty body is refused (400) or accepted (200), never an unknown route.
    expect(served.every((status) => status === 200 || status === 400)).toBe(true);
  });

  it('seeds, issues tokens and shows the state', async () => {
    // Act
    const seeded = await control('POST', 'seed', TEST_SEED);
    const issued = await control('POST', 'tokens', { locationId: LOC, expiresAt: '2030-01-01T00:00:00Z' });
    const state = await control('GET', 'state');
    // Assess
    expect(seeded.status).toBe(200);
    expect(seeded.body.locations[0]).toMatchObject({
      id: LOC,
      uId: '3300000000000042',
      organizationId: 'acme',
      tokens: [expect.any(String)],
    });
    expect(issued.status).toBe(200);
    const answer = await apiFor(sim, issued.body.token).get('client/config');
    expect(answer.body.tokenExpirationDate).toBe('2030-01-01T00:00:00+0000');
    expect(state.body.locations.map((l: Json) => l.id)).toEqual([LOC, OTHER_LOC]);
    expect(state.body.locations[0].tokens).toHaveLength(2);
    expect(state.body.tokens).toHaveLength(3);
  });

  it('sets and clears faults, counts and resets calls, settles events', async () => {
    // Prepare
    const { body } = await control('POST', 'seed', TEST_SEED);
    const token = body.locations[0].tokens[0];
    const api = apiFor(sim, token);
    // Act
    const set = await control('PUT', 'faults', {
      rules: [{ endpoint: 'GET assets', kind: 'unavailable', times: 1 }],
    });
    const faulted = await api.get('assets');
    await control('PUT', 'faults', { rules: [{ kind: 'unavailable' }] });
    await control('DELETE', 'faults');
    const healthy = await api.get('assets');
    const accepted = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S'] });
    const settled = await control('POST', 'settle');
    const status = await api.get('status', { eventId: accepted.body.eventId });
    const calls = await control('GET', 'calls');
    await control('DELETE', 'calls');
    const reset = await control('GET', 'calls');
    // Assess
    expect(set.status).toBe(200);
    expect(faulted.status).toBe(503);
    expect(healthy.status).toBe(200);
    expect(settled.status).toBe(200);
    expect(status.body.eventStatus).toBe('COMPLETE');
    expect(calls.body).toEqual({ 'GET assets': 2, 'POST assets/associate': 1, 'GET status': 1 });
    expect(reset.body).toEqual({});
  });

  it('runs every Apple-side action', async () => {
    // Prepare
    const { body } = await control('POST', 'seed', TEST_SEED);
    const token = body.locations[0].tokens[0];
    const receiver = await startReceiver();
    try {
      await apiFor(sim, token).post('client/config', {
        notificationUrl: receiver.url,
        notificationAuthToken: 'n',
      });
      // Act
      const results = [
        await control('POST', 'actions/purchase', { locationId: LOC, asset: ALPHA, count: 5 }),
        await control('POST', 'actions/purchase', {
          locationId: LOC,
          asset: { adamId: '7777777777', pricingParam: 'PLUS' },
          count: 2,
          details: { productType: 'Book', name: 'New Book' },
        }),
        await control('POST', 'actions/refund', { locationId: LOC, asset: ALPHA, count: 1 }),
        await control('POST', 'actions/transfer', {
          fromLocationId: LOC,
          toLocationId: OTHER_LOC,
          asset: ALPHA,
          count: 2,
        }),
        await control('POST', 'actions/external-assign', {
          locationId: LOC,
          asset: ALPHA,
          target: { serialNumber: 'P1' },
        }),
        await control('POST', 'actions/external-assign', {
          locationId: LOC,
          asset: ALPHA,
          target: { serialNumber: 'P2' },
        }),
        await control('POST', 'actions/external-unassign', {
          locationId: LOC,
          asset: ALPHA,
          target: { serialNumber: 'P2' },
        }),
        await control('POST', 'actions/accept-invitation', {
          locationId: LOC,
          clientUserId: 'u-5f3a',
          appleAccount: 'a@b.example',
        }),
        await control('POST', 'actions/claim-by-other-mdm', {
          locationId: LOC,
          mdmInfo: { id: 'x', name: 'X', metadata: '' },
        }),
      ];
      await control('POST', 'settle');
      const state = (await control('GET', 'state')).body;
      const expire = await control('POST', 'actions/expire-token', { token });
      const expired = await apiFor(sim, token).get('assets');
      const spare = (await control('POST', 'tokens', { locationId: LOC })).body.token;
      const revoke = await control('POST', 'actions/revoke-token', { token: spare });
      const revoked = await apiFor(sim, spare).get('assets');
      // Assess
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200]);
      const loc = state.locations[0];
      expect(loc.assets.find((a: Json) => a.adamId === ALPHA.adamId)).toMatchObject({
        totalCount: 12,
        assignedCount: 1,
        availableCount: 11,
        retiredCount: 1,
      });
      expect(loc.assets.find((a: Json) => a.adamId === '7777777777')).toMatchObject({
        productType: 'Book',
        totalCount: 2,
        revocable: false,
      });
      expect(loc.assignments).toEqual([{ ...ALPHA, serialNumber: 'P1' }]);
      expect(loc.users.find((u: Json) => u.clientUserId === 'u-5f3a').status).toBe('Associated');
      expect(loc.mdmInfo).toEqual({ id: 'x', name: 'X', metadata: '' });
      expect(loc.notificationUrl).toBeUndefined();
      expect(state.locations[1].assets[0]).toMatchObject({ adamId: ALPHA.adamId, totalCount: 2 });
      expect(receiver.received.map((r) => r.body.notificationType)).toEqual([
        'TEST_NOTIFICATION',
        'ASSET_COUNT',
        'ASSET_COUNT',
        'ASSET_COUNT',
        'ASSET_COUNT',
        'USER_ASSOCIATED',
      ]);
      expect(expire.status).toBe(200);
      expect(expired.body.errorNumber).toBe(9621);
      expect(revoke.status).toBe(200);
      expect(revoked.body.errorNumber).toBe(9625);
    } finally {
      await receiver.close();
    }
  });

  it('answers 400 for misuse and 404 for unknown routes', async () => {
    // Prepare
    await control('POST', 'seed', TEST_SEED);
    // Act
    const unknownLocation = await control('POST', 'actions/purchase', {
      locationId: 'nope',
      asset: ALPHA,
      count: 1,
    });
    const badBody = await control('POST', 'actions/refund', { locationId: LOC, asset: ALPHA, count: -1 });
    const tooMany = await control('POST', 'actions/refund', { locationId: LOC, asset: ALPHA, count: 11 });
    const badFaults = await control('PUT', 'faults', { rules: [{ kind: 'explode' }] });
    const badSeed = await control('POST', 'seed', { organizations: [{ id: 'x' }] });
    const unknownAction = await control('POST', 'actions/teleport', {});
    const unknownRoute = await control('GET', 'nothing');
    // Assess
    expect([unknownLocation, badBody, tooMany, badFaults, badSeed].map((r) => r.status)).toEqual([
      400, 400, 400, 400, 400,
    ]);
    expect(unknownLocation.body.error).toContain('unknown location');
    expect(unknownAction.status).toBe(404);
    expect(unknownRoute.status).toBe(404);
  });
});
