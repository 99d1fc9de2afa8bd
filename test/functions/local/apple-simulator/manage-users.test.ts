import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationSchema } from '../../../../shared/application/ports/vpp-schemas.ts';
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
const BOOK = { adamId: '3333333333', pricingParam: 'STDQ' } as const;

describe('users/create, users/update, users/retire: synchronous checks', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator({ limits: { maxUsers: 3 } });
  });
  afterEach(() => t.sim.close());

  it('answers 9720, 9714, 9715 and 9717', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const users = (n: number) => Array.from({ length: n }, (_, i) => ({ clientUserId: `c${i}` }));
    // Act + Assess
    expectError(await api.post('users/create', {}), 400, 9720);
    expectError(await api.post('users/update', { users: [] }), 400, 9720);
    expectError(await api.post('users/create', { users: users(4) }), 400, 9714);
    expectError(
      await api.post('users/retire', { users: [{ clientUserId: 'a' }, { clientUserId: 'a' }] }),
      400,
      9715,
    );
    expectError(
      await api.post('users/create', { users: [{ clientUserId: 'a', email: 'not-an-email' }] }),
      400,
      9717,
    );
    expectError(await api.post('users/update', { users: [{ clientUserId: 'a', email: 'a@' }] }), 400, 9717);
    expect(t.sim.snapshot().events).toHaveLength(0);
  });
});

describe('user events', () => {
  let t: TestSimulator;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestSimulator();
    receiver = await startReceiver();
    await subscribe(t.sim, t.token, receiver);
  });
  afterEach(async () => {
    await t.sim.close();
    await receiver.close();
  });

  it('creates Registered users with a 32-hex inviteCode, visible only after processing', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const accepted = await api.post('users/create', {
      users: [{ clientUserId: 'new-1', email: 'new1@example.test' }],
    });
    const before = await api.get('users', { clientUserId: 'new-1' });
    await t.sim.settle();
    const after = await api.get('users', { clientUserId: 'new-1' });
    const status = await api.get('status', { eventId: accepted.body.eventId });
    // Assess
    expect(Object.keys(accepted.body).sort()).toEqual(['eventId', 'mdmInfo', 'tokenExpirationDate', 'uId']);
    expect(before.body.users).toEqual([]);
    expect(after.body.users).toEqual([
      {
        clientUserId: 'new-1',
        email: 'new1@example.test',
        inviteCode: expect.stringMatching(/^[0-9a-f]{32}$/),
        status: 'Registered',
      },
    ]);
    expect(status.body).toMatchObject({
      eventStatus: 'COMPLETE',
      eventType: 'CREATE',
      numRequested: 1,
      numCompleted: 1,
    });
    const [notification] = receiver.ofType('USER_MANAGEMENT').map((r) => r.body);
    expectParses(NotificationSchema, notification);
    expect(notification).toEqual({
      notification: {
        type: 'CREATE',
        result: 'SUCCESS',
        eventId: accepted.body.eventId,
        users: after.body.users,
      },
      notificationId: expect.any(String),
      notificationType: 'USER_MANAGEMENT',
      uId: UID,
    });
  });

  it('associates at once a managedAppleId of the organisation domain (idHash, no inviteCode)', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    await api.post('users/create', {
      users: [
        { clientUserId: 'm-1', managedAppleId: 'kim@acme.appleaccount.example' },
        { clientUserId: 'm-2', managedAppleId: 'kim@elsewhere.example' },
      ],
    });
    await t.sim.settle();
    // Assess
    const users = (await api.get('users')).body.users.filter((u: Json) => u.clientUserId.startsWith('m-'));
    expect(users).toEqual([
      { clientUserId: 'm-1', idHash: expect.any(String), status: 'Associated' },
      { clientUserId: 'm-2', inviteCode: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'Registered' },
    ]);
  });

  it('fails creating an active clientUserId with 9716 (partial), with a FAILURE notification carrying the error', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('users/create', {
      users: [{ clientUserId: 'u-5f3a' }, { clientUserId: 'fresh' }],
    });
    await t.sim.settle();
    const status = await api.get('status', { eventId: body.eventId });
    // Assess
    expect(status.body).toMatchObject({
      eventStatus: 'FAILED',
      numRequested: 2,
      numCompleted: 1,
      failures: [
        {
          errorNumber: 9716,
          errorMessage: 'A registered user with this clientUserId already exists.',
          errorInfo: { clientUserIds: ['u-5f3a'] },
        },
      ],
    });
    const notifications = receiver.ofType('USER_MANAGEMENT').map((r) => r.body.notification);
    expect(notifications.map((n: Json) => n.result)).toEqual(['SUCCESS', 'FAILURE']);
    const failure = notifications[1];
    expect(failure.error).toEqual({
      errorNumber: 9716,
      errorMessage: expect.any(String),
      errorInfo: { clientUserIds: ['u-5f3a'] },
    });
    expect(failure.users).toEqual([
      expect.objectContaining({ clientUserId: 'u-5f3a', status: 'Registered' }),
    ]);
  });

  it('updates e-mails; unknown users fail with 9609', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const v1 = (await api.get('users')).body.versionId;
    // Act
    const { body } = await api.post('users/update', {
      users: [
        { clientUserId: 'u-5f3a', email: 'changed@example.test' },
        { clientUserId: 'nobody', email: 'x@example.test' },
      ],
    });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'FAILED',
      eventType: 'UPDATE',
      numCompleted: 1,
      failures: [expect.objectContaining({ errorNumber: 9609, errorInfo: { clientUserIds: ['nobody'] } })],
    });
    const delta = await api.get('users', { sinceVersionId: v1 });
    expect(delta.body.users).toEqual([
      expect.objectContaining({ clientUserId: 'u-5f3a', email: 'changed@example.test' }),
    ]);
  });

  it('retires users: revocable licences released, books kept, unknown → 9609; the clientUserId can be created again', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    t.sim.externalAssign(LOC, ALPHA, { clientUserId: 'u-77b0' });
    t.sim.externalAssign(LOC, BOOK, { clientUserId: 'u-77b0' });
    // Act
    const retire = await api.post('users/retire', {
      users: [{ clientUserId: 'u-77b0' }, { clientUserId: 'ghost' }],
    });
    await t.sim.settle();
    const recreate = await api.post('users/create', { users: [{ clientUserId: 'u-77b0' }] });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: retire.body.eventId })).body).toMatchObject({
      eventStatus: 'FAILED',
      eventType: 'RETIRE',
      numCompleted: 1,
      failures: [expect.objectContaining({ errorNumber: 9609 })],
    });
    expect((await api.get('assignments')).body.assignments).toEqual([{ ...BOOK, clientUserId: 'u-77b0' }]);
    expect((await api.get('assets', { adamId: '1111111111' })).body.assets[0]).toMatchObject({
      assignedCount: 0,
    });
    expect((await api.get('status', { eventId: recreate.body.eventId })).body.eventStatus).toBe('COMPLETE');
    const entries = (await api.get('users', { clientUserId: 'u-77b0' })).body.users;
    expect(entries).toEqual([
      { clientUserId: 'u-77b0', idHash: expect.any(String), status: 'Retired' },
      { clientUserId: 'u-77b0', inviteCode: expect.any(String), status: 'Registered' },
    ]);
    const retired = receiver.ofType('USER_MANAGEMENT')[0]?.body.notification;
    expect(retired).toMatchObject({
      type: 'RETIRE',
      result: 'SUCCESS',
      users: [{ clientUserId: 'u-77b0', status: 'Retired' }],
    });
  });

  it('sends USER_MANAGEMENT in chunks of at most 100 users (150 users → 2 notifications)', async () => {
    // Prepare
    const wide = await startTestSimulator({ limits: { maxUsers: 200 } });
    const api = apiFor(wide.sim, wide.token);
    try {
      await subscribe(wide.sim, wide.token, receiver);
      const users = Array.from({ length: 150 }, (_, i) => ({ clientUserId: `bulk-${i}` }));
      // Act
      await api.post('users/create', { users });
      await wide.sim.settle();
      // Assess
      const sizes = receiver.ofType('USER_MANAGEMENT').map((r) => r.body.notification.users.length);
      expect(sizes).toEqual([100, 50]);
    } finally {
      await wide.sim.close();
    }
  });
});
