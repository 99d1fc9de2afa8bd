import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationSchema } from '../../../../shared/application/ports/vpp-schemas.ts';
import {
  apiFor,
  expectParses,
  LOC,
  OTHER_LOC,
  type Receiver,
  startReceiver,
  startTestSimulator,
  subscribe,
  type TestSimulator,
  UID,
} from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;

describe('notification delivery', () => {
  let t: TestSimulator;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestSimulator();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.sim.close();
    await receiver.close();
  });

  it('retries a failing delivery (non-2xx) and succeeds on the third attempt with the same notificationId', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    receiver.respondWith(500, 503);
    // Act
    t.sim.purchase(LOC, ALPHA, 50);
    await t.sim.settle();
    // Assess
    const attempts = receiver.ofType('ASSET_COUNT');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.body.notificationId)).size).toBe(1);
    const log = t.sim.snapshot().notifications.filter((n) => n.notificationType === 'ASSET_COUNT');
    expect(log).toEqual([
      expect.objectContaining({
        outcome: 'delivered',
        url: receiver.url,
        authToken: 'nat_secret',
        attempts: [
          expect.objectContaining({ status: 500 }),
          expect.objectContaining({ status: 503 }),
          expect.objectContaining({ status: 200 }),
        ],
      }),
    ]);
  });

  it('gives up after 3 attempts', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    receiver.respondWith(500, 500, 500, 500);
    // Act
    t.sim.purchase(LOC, ALPHA, 1);
    await t.sim.settle();
    // Assess
    expect(receiver.ofType('ASSET_COUNT')).toHaveLength(3);
    const entry = t.sim.snapshot().notifications.find((n) => n.notificationType === 'ASSET_COUNT');
    expect(entry?.outcome).toBe('failed');
    expect(entry?.attempts).toHaveLength(3);
  });

  it('retries after a network error and by itself after notificationRetryMs', async () => {
    // Prepare
    const quick = await startTestSimulator({ notificationRetryMs: 10 });
    try {
      await subscribe(quick.sim, quick.token, receiver);
      receiver.respondWith(500);
      // Act
      quick.sim.purchase(LOC, ALPHA, 2);
      // Assess
      await vi.waitFor(() => expect(receiver.ofType('ASSET_COUNT')).toHaveLength(2));
      expect(quick.sim.snapshot().notifications.at(-1)?.outcome).toBe('delivered');
    } finally {
      await quick.sim.close();
    }
  });

  it('counts a refused connection as a failed attempt', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    await receiver.close();
    // Act
    t.sim.purchase(LOC, ALPHA, 1);
    await t.sim.settle();
    // Assess
    const entry = t.sim.snapshot().notifications.find((n) => n.notificationType === 'ASSET_COUNT');
    expect(entry?.outcome).toBe('failed');
    expect(entry?.attempts.every((a) => a.error !== undefined)).toBe(true);
  });

  it('sends only subscribed types, and nothing without a notification URL', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver, ['USER_MANAGEMENT']);
    // Act
    t.sim.purchase(LOC, ALPHA, 1);
    t.sim.purchase(OTHER_LOC, ALPHA, 1, { productType: 'App', name: 'Alpha Maths' });
    await apiFor(t.sim, t.token).post('users/create', { users: [{ clientUserId: 'x' }] });
    await t.sim.settle();
    // Assess
    expect(receiver.received.map((r) => r.body.notificationType)).toEqual(['USER_MANAGEMENT']);
  });

  it('sends ASSET_COUNT on purchase (+), refund (−) and transfer (one each side)', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    const other = await startReceiver();
    try {
      await subscribe(t.sim, t.otherToken, other);
      const api = apiFor(t.sim, t.token);
      // Act
      t.sim.purchase(LOC, ALPHA, 50);
      t.sim.refund(LOC, ALPHA, 5);
      t.sim.transfer(LOC, OTHER_LOC, ALPHA, 20);
      await t.sim.settle();
      // Assess
      const deltas = receiver.ofType('ASSET_COUNT').map((r) => expectParses(NotificationSchema, r.body));
      expect(deltas.map((n) => n.notification)).toEqual([
        { adamId: '1111111111', pricingParam: 'STDQ', countDelta: 50 },
        { adamId: '1111111111', pricingParam: 'STDQ', countDelta: -5 },
        { adamId: '1111111111', pricingParam: 'STDQ', countDelta: -20 },
      ]);
      expect(other.ofType('ASSET_COUNT').map((r) => r.body.notification.countDelta)).toEqual([20]);
      expect(other.received[0]?.body.uId).toBe('3300000000000043');
      const alpha = (await api.get('assets', { adamId: '1111111111' })).body.assets[0];
      expect(alpha).toMatchObject({ totalCount: 35, availableCount: 35, retiredCount: 5 });
      const there = (await apiFor(t.sim, t.otherToken).get('assets')).body.assets[0];
      expect(there).toMatchObject({ adamId: '1111111111', totalCount: 20, availableCount: 20 });
    } finally {
      await other.close();
    }
  });

  it('refuses to refund or transfer licences that are assigned', async () => {
    // Prepare
    t.sim.externalAssign(LOC, { adamId: '2222222222', pricingParam: 'STDQ' }, { serialNumber: 'S' });
    // Act + Assess
    expect(() => t.sim.refund(LOC, { adamId: '2222222222', pricingParam: 'STDQ' }, 1)).toThrow(/free/);
    expect(() => t.sim.transfer(LOC, OTHER_LOC, { adamId: '2222222222', pricingParam: 'STDQ' }, 1)).toThrow(
      /free/,
    );
  });

  it('sends no notification for assignments made elsewhere, but versions move', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    const api = apiFor(t.sim, t.token);
    const v1 = (await api.get('assignments')).body.versionId;
    // Act
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'PORTAL-1' });
    await t.sim.settle();
    // Assess
    expect(receiver.received).toHaveLength(0);
    const delta = await api.get('assignments', { sinceVersionId: v1 });
    expect(delta.body.assignments).toEqual([{ ...ALPHA, serialNumber: 'PORTAL-1' }]);
  });

  it('sends USER_ASSOCIATED when a user accepts the invitation', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    // Act
    t.sim.acceptInvitation(LOC, 'u-5f3a', 'pupil17@icloud.example');
    await t.sim.settle();
    // Assess
    const [notification] = receiver.ofType('USER_ASSOCIATED').map((r) => r.body);
    expectParses(NotificationSchema, notification);
    expect(notification).toEqual({
      notification: {
        associatedUsers: [
          {
            clientUserId: 'u-5f3a',
            email: 'pupil17@example.test',
            idHash: expect.any(String),
            status: 'Associated',
          },
        ],
      },
      notificationId: expect.any(String),
      notificationType: 'USER_ASSOCIATED',
      uId: UID,
    });
    expect(() => t.sim.acceptInvitation(LOC, 'u-5f3a')).toThrow(/not_registered/);
  });

  it('gives every notification a new notificationId', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    // Act
    for (let i = 0; i < 5; i += 1) t.sim.purchase(LOC, ALPHA, 1);
    await t.sim.settle();
    // Assess
    expect(new Set(receiver.received.map((r) => r.body.notificationId)).size).toBe(5);
  });
});
