import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EventResponseSchema,
  NotificationSchema,
  StatusResponseSchema,
} from '../../../../shared/application/ports/vpp-schemas.ts';
import {
  apiFor,
  expectError,
  expectParses,
  type Json,
  LOC,
  type Receiver,
  startReceiver,
  startTestSimulator,
  subscribe,
  type TestSimulator,
  UID,
} from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;
const BETA = { adamId: '2222222222', pricingParam: 'STDQ' } as const;
const BOOK = { adamId: '3333333333', pricingParam: 'STDQ' } as const;
const USER_ONLY = { adamId: '4444444444', pricingParam: 'STDQ' } as const;
const FREE = { adamId: '5555555555', pricingParam: 'STDQ' } as const;

const serials = (n: number, prefix = 'SN'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('assets/associate and assets/disassociate: synchronous checks', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator({ limits: { maxAssets: 3, maxClientUserIds: 3 } });
  });
  afterEach(() => t.sim.close());

  it('answers 9718 without assets and 9719 without subjects', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act + Assess
    expectError(await api.post('assets/associate', { serialNumbers: ['A'] }), 400, 9718);
    expectError(await api.post('assets/associate', { assets: [], serialNumbers: ['A'] }), 400, 9718);
    expectError(await api.post('assets/associate', { assets: [ALPHA] }), 400, 9719);
    expectError(
      await api.post('assets/disassociate', { assets: [ALPHA], clientUserIds: [], serialNumbers: [] }),
      400,
      9719,
    );
  });

  it('answers 9700/9701/9702 over the limits (reference §12(e): 1 200 serials → 9702)', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const assets = ['1', '2', '3', '4'].map((adamId) => ({ adamId, pricingParam: 'STDQ' }));
    // Act
    const tooManyAssets = await api.post('assets/associate', { assets, serialNumbers: ['A'] });
    const tooManyUsers = await api.post('assets/associate', {
      assets: [ALPHA],
      clientUserIds: ['a', 'b', 'c', 'd'],
    });
    const tooManySerials = await api.post('assets/associate', {
      assets: [ALPHA],
      serialNumbers: serials(1200),
    });
    // Assess
    expectError(tooManyAssets, 400, 9700);
    expectError(tooManyUsers, 400, 9701);
    expect(tooManySerials.status).toBe(400);
    expect(tooManySerials.body).toEqual({
      errorNumber: 9702,
      errorMessage: 'Too many serialNumbers in the request; stay within the limit.',
    });
    expect(t.sim.snapshot().events).toHaveLength(0);
  });

  it('answers 9703/9704/9705 for duplicates', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act + Assess
    expectError(
      await api.post('assets/associate', { assets: [ALPHA, ALPHA], serialNumbers: ['A'] }),
      400,
      9703,
    );
    expectError(
      await api.post('assets/associate', { assets: [ALPHA], clientUserIds: ['u', 'u'] }),
      400,
      9704,
    );
    expectError(
      await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S', 'S'] }),
      400,
      9705,
    );
  });

  it('answers 9707 when any asset is not device-assignable and serials are given, 9706 on disassociate of a non-revocable one', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const book = await api.post('assets/associate', { assets: [ALPHA, BOOK], serialNumbers: ['S'] });
    const userOnly = await api.post('assets/associate', { assets: [USER_ONLY], serialNumbers: ['S'] });
    const bookToUser = await api.post('assets/associate', {
      assets: [BOOK, USER_ONLY],
      clientUserIds: ['u-5f3a'],
    });
    const takeBack = await api.post('assets/disassociate', {
      assets: [ALPHA, BOOK],
      clientUserIds: ['u-5f3a'],
    });
    // Assess
    expectError(book, 400, 9707);
    expectError(userOnly, 400, 9707);
    expect(bookToUser.status).toBe(200);
    expectError(takeBack, 400, 9706);
  });

  it('treats an omitted pricingParam as STDQ and numeric adamIds as text', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const answer = await api.post('assets/associate', {
      assets: [{ adamId: 1111111111 }],
      serialNumbers: ['S'],
    });
    await t.sim.settle();
    // Assess
    expect(answer.status).toBe(200);
    expect(t.sim.snapshot().locations[0]?.assignments).toEqual([{ ...ALPHA, serialNumber: 'S' }]);
  });
});

describe('asynchronous asset events', () => {
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

  it('accepts with an EventResponse, reports PENDING, then COMPLETE once processed', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const accepted = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S1', 'S2'] });
    const pending = await api.get('status', { eventId: accepted.body.eventId });
    await t.sim.settle();
    const done = await api.get('status', { eventId: accepted.body.eventId });
    // Assess
    expectParses(EventResponseSchema, accepted.body);
    expect(accepted.body).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      uId: UID,
      tokenExpirationDate: expect.any(String),
    });
    expect(pending.body).toMatchObject({
      eventStatus: 'PENDING',
      eventType: 'ASSOCIATE',
      numRequested: 2,
      numCompleted: 0,
    });
    expectParses(StatusResponseSchema, done.body);
    expect(done.body).toEqual({
      eventStatus: 'COMPLETE',
      eventType: 'ASSOCIATE',
      numRequested: 2,
      numCompleted: 2,
      uId: UID,
      tokenExpirationDate: expect.any(String),
    });
    const alpha = (await api.get('assets', { adamId: '1111111111' })).body.assets[0];
    expect(alpha).toMatchObject({ assignedCount: 2, availableCount: 8, totalCount: 10 });
  });

  it('processes events by itself after eventDelayMs', async () => {
    // Prepare
    const quick = await startTestSimulator({ eventDelayMs: 20 });
    try {
      const api = apiFor(quick.sim, quick.token);
      // Act
      const { body } = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S1'] });
      // Assess
      await vi.waitFor(async () => {
        expect((await api.get('status', { eventId: body.eventId })).body.eventStatus).toBe('COMPLETE');
      });
    } finally {
      await quick.sim.close();
    }
  });

  it('answers 9708 for an unknown eventId or one of another location', async () => {
    // Prepare
    const { body } = await apiFor(t.sim, t.token).post('assets/associate', {
      assets: [ALPHA],
      serialNumbers: ['S'],
    });
    // Act
    const unknown = await apiFor(t.sim, t.token).get('status', {
      eventId: 'e0000000-0000-4000-8000-000000000000',
    });
    const foreign = await apiFor(t.sim, t.otherToken).get('status', { eventId: body.eventId });
    // Assess
    expectError(unknown, 400, 9708);
    expectError(foreign, 400, 9708);
  });

  it('reproduces reference §12(c)/(d): 4 tasks, one app out of licences → FAILED 2/4 with 9709 and shaped notifications', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    t.sim.externalAssign(LOC, BETA, { serialNumber: 'OTHER' });
    const api = apiFor(t.sim, t.token);
    // Act
    const accepted = await api.post('assets/associate', {
      assets: [ALPHA, BETA],
      clientUserIds: ['u-5f3a'],
      serialNumbers: ['F9XK21ABCD'],
    });
    await t.sim.settle();
    const status = await api.get('status', { eventId: accepted.body.eventId });
    // Assess
    expect(status.body).toEqual({
      eventStatus: 'FAILED',
      eventType: 'ASSOCIATE',
      numRequested: 4,
      numCompleted: 2,
      failures: [
        {
          errorNumber: 9709,
          errorMessage: 'Not enough licenses available.',
          errorInfo: { assets: [BETA], clientUserIds: ['u-5f3a'], serialNumbers: ['F9XK21ABCD'] },
        },
      ],
      mdmInfo: { id: 'mdm-1', name: 'Test MDM', metadata: 'test' },
      tokenExpirationDate: expect.any(String),
      uId: UID,
    });
    const notifications = receiver.ofType('ASSET_MANAGEMENT').map((r) => r.body);
    for (const n of notifications) expectParses(NotificationSchema, n);
    expect(notifications).toEqual([
      {
        notification: {
          type: 'ASSOCIATE',
          result: 'SUCCESS',
          eventId: accepted.body.eventId,
          assignments: [
            { ...ALPHA, clientUserId: 'u-5f3a' },
            { ...ALPHA, serialNumber: 'F9XK21ABCD' },
          ],
        },
        notificationId: expect.any(String),
        notificationType: 'ASSET_MANAGEMENT',
        uId: UID,
      },
      {
        notification: {
          type: 'ASSOCIATE',
          result: 'FAILURE',
          eventId: accepted.body.eventId,
          assignments: [
            { ...BETA, clientUserId: 'u-5f3a' },
            { ...BETA, serialNumber: 'F9XK21ABCD' },
          ],
          error: { errorNumber: 9709, errorMessage: 'Not enough licenses available.' },
        },
        notificationId: expect.any(String),
        notificationType: 'ASSET_MANAGEMENT',
        uId: UID,
      },
    ]);
    expect(notifications[0].notificationId).not.toBe(notifications[1].notificationId);
    expect(receiver.received[0]?.headers.authorization).toBe('Bearer nat_secret');
    // Nothing consumed by the failed tasks: Beta keeps its one licence with OTHER.
    const beta = (await api.get('assets', { adamId: '2222222222' })).body.assets[0];
    expect(beta).toMatchObject({ assignedCount: 1, availableCount: 0 });
  });

  it('stops consuming when licences run out midway (9709 for the rest only)', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: serials(12) });
    await t.sim.settle();
    const status = await api.get('status', { eventId: body.eventId });
    // Assess
    expect(status.body).toMatchObject({ eventStatus: 'FAILED', numRequested: 12, numCompleted: 10 });
    expect(status.body.failures).toEqual([
      expect.objectContaining({
        errorNumber: 9709,
        errorInfo: { assets: [ALPHA], serialNumbers: ['SN10', 'SN11'] },
      }),
    ]);
    const alpha = (await api.get('assets', { adamId: '1111111111' })).body.assets[0];
    expect(alpha).toMatchObject({ assignedCount: 10, availableCount: 0, totalCount: 10 });
  });

  it('fails tasks of unknown or retired users with 9609 and accepts any serial number', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('users/retire', { users: [{ clientUserId: 'u-77b0' }] });
    await t.sim.settle();
    // Act
    const { body } = await api.post('assets/associate', {
      assets: [ALPHA],
      clientUserIds: ['ghost', 'u-77b0', 'u-5f3a'],
      serialNumbers: ['definitely not a serial'],
    });
    await t.sim.settle();
    const status = await api.get('status', { eventId: body.eventId });
    // Assess
    expect(status.body).toMatchObject({ eventStatus: 'FAILED', numRequested: 4, numCompleted: 2 });
    expect(status.body.failures).toEqual([
      {
        errorNumber: 9609,
        errorMessage: expect.any(String),
        errorInfo: { assets: [ALPHA], clientUserIds: ['ghost', 'u-77b0'] },
      },
    ]);
  });

  it('completes an already-held pair without consuming another licence', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('assets/associate', { assets: [BETA], serialNumbers: ['S1'] });
    await t.sim.settle();
    // Act
    const { body } = await api.post('assets/associate', { assets: [BETA], serialNumbers: ['S1'] });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'COMPLETE',
      numCompleted: 1,
    });
    expect((await api.get('assets', { adamId: '2222222222' })).body.assets[0]).toMatchObject({
      assignedCount: 1,
    });
  });

  it('assigns unlimited assets without running out', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('assets/associate', { assets: [FREE], serialNumbers: serials(50) });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body.eventStatus).toBe('COMPLETE');
    expect((await api.get('assets', { adamId: '5555555555' })).body.assets[0]).toMatchObject({
      assignedCount: 50,
      availableCount: 2147483647 - 50,
      totalCount: 2147483647,
    });
  });

  it('disassociates held pairs, completes pairs not held without change, and frees licences', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await subscribe(t.sim, t.token, receiver);
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'S1' });
    t.sim.externalAssign(LOC, ALPHA, { clientUserId: 'u-5f3a' });
    // Act
    const { body } = await api.post('assets/disassociate', {
      assets: [ALPHA],
      clientUserIds: ['u-5f3a'],
      serialNumbers: ['S1', 'NEVER-HAD-IT'],
    });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'COMPLETE',
      eventType: 'DISASSOCIATE',
      numRequested: 3,
      numCompleted: 3,
    });
    expect((await api.get('assignments')).body.assignments).toEqual([]);
    expect((await api.get('assets', { adamId: '1111111111' })).body.assets[0]).toMatchObject({
      assignedCount: 0,
      availableCount: 10,
    });
    expect(receiver.ofType('ASSET_MANAGEMENT')[0]?.body.notification).toMatchObject({
      type: 'DISASSOCIATE',
      result: 'SUCCESS',
    });
  });

  it('revokes every revocable assignment of the listed users and devices; books stay', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await subscribe(t.sim, t.token, receiver);
    t.sim.externalAssign(LOC, ALPHA, { clientUserId: 'u-5f3a' });
    t.sim.externalAssign(LOC, USER_ONLY, { clientUserId: 'u-5f3a' });
    t.sim.externalAssign(LOC, BOOK, { clientUserId: 'u-5f3a' });
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'S1' });
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'KEEP' });
    // Act
    const { body } = await api.post('assets/revoke', {
      clientUserIds: ['u-5f3a', 'ghost'],
      serialNumbers: ['S1'],
    });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'COMPLETE',
      eventType: 'REVOKE',
      numRequested: 3,
      numCompleted: 3,
    });
    expect(
      (await api.get('assignments')).body.assignments.map((a: Json) => [
        a.adamId,
        a.clientUserId ?? a.serialNumber,
      ]),
    ).toEqual([
      ['3333333333', 'u-5f3a'],
      ['1111111111', 'KEEP'],
    ]);
    const notification = receiver.ofType('ASSET_MANAGEMENT')[0]?.body.notification;
    expect(notification).toMatchObject({ type: 'REVOKE', result: 'SUCCESS' });
    expect(notification.assignments).toHaveLength(3);
  });

  it('checks revoke requests synchronously (9719, 9701, 9702, 9704, 9705)', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act + Assess
    expectError(await api.post('assets/revoke', {}), 400, 9719);
    expectError(await api.post('assets/revoke', { clientUserIds: serials(101, 'u') }), 400, 9701);
    expectError(await api.post('assets/revoke', { serialNumbers: serials(101) }), 400, 9702);
    expectError(await api.post('assets/revoke', { clientUserIds: ['a', 'a'] }), 400, 9704);
    expectError(await api.post('assets/revoke', { serialNumbers: ['a', 'a'] }), 400, 9705);
  });

  it('sends ASSET_MANAGEMENT in chunks of at most 100 assignments', async () => {
    // Prepare
    const big = await startTestSimulator({ limits: { maxSerialNumbers: 1000 } });
    const api = apiFor(big.sim, big.token);
    try {
      await subscribe(big.sim, big.token, receiver);
      big.sim.purchase(LOC, ALPHA, 240);
      // Act
      await api.post('assets/associate', { assets: [ALPHA], serialNumbers: serials(250) });
      await big.sim.settle();
      // Assess
      const chunks = receiver.ofType('ASSET_MANAGEMENT').map((r) => r.body.notification);
      expect(chunks.map((c: Json) => [c.result, c.assignments.length])).toEqual([
        ['SUCCESS', 100],
        ['SUCCESS', 100],
        ['SUCCESS', 50],
      ]);
    } finally {
      await big.sim.close();
    }
  });
});
