/**
 * Volume subscriptions in the simulator, driven by the real client (and by raw requests where the
 * client would never send what is tested): enable and disable, cursor walks, associate and
 * disassociate with Apple's per-task failures, limits, the deferred removal at the end of a billing
 * period, admins, retirement, both notification types, persistence and the demo data
 * (apple-subscriptions.md; the CHOICEs are its §9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AppleSimulator,
  type SeedInput,
  startAppleSimulator,
} from '../../../../functions/local/apple-simulator/index.ts';
import { AppleVppHttpClient } from '../../../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { isVppError } from '../../../../shared/application/ports/vpp-errors.ts';
import {
  GetSubscriptionsResponseSchema,
  NotificationSchema,
  type SubscriptionCounts,
} from '../../../../shared/application/ports/vpp-schemas.ts';
import { Secret } from '../../../../shared/domain/secret.ts';
import { apiFor, expectError, expectParses, type Receiver, startReceiver, subscribe } from './support.ts';

const LOC = 'sub-loc';
const EMPTY_LOC = 'sub-empty';
const PAGES_PRO = 1600000001;
const PAUSED = 1600000002;
const EMPTIED = 1600000003;

const SEED: SeedInput = {
  organizations: [
    {
      id: 'sub-org',
      name: 'Subscription School',
      locations: [
        {
          id: LOC,
          name: 'Main',
          subscriptionManagement: 'enabled',
          users: [
            { clientUserId: 'u-1', status: 'Associated', idHash: 'hash-u-1' },
            { clientUserId: 'u-2', status: 'Registered' },
            { clientUserId: 'u-3', status: 'Associated' },
            { clientUserId: 'u-4', status: 'Associated' },
            { clientUserId: 'u-gone', status: 'Retired' },
          ],
          subscriptions: [
            {
              adamId: PAGES_PRO,
              parentAdamId: 361309726,
              name: 'Pages Pro',
              periodEndDate: '2026-12-31',
              seats: { renewing: 3, expiring: 1 },
            },
            {
              adamId: PAUSED,
              parentAdamId: 361309726,
              status: 'PAUSED',
              periodEndDate: '2026-12-31',
              seats: { renewing: 2 },
              assignments: [{ clientUserId: 'u-3', renewing: true }],
            },
            { adamId: EMPTIED, parentAdamId: null, periodEndDate: '2026-12-31', seats: {} },
          ],
        },
        { id: EMPTY_LOC, name: 'Empty' },
      ],
    },
  ],
};

let now = new Date('2026-12-05T12:00:00Z');
let sim: AppleSimulator;
let receiver: Receiver;
let client: AppleVppHttpClient;
let token: Secret;
let tokenText: string;

const tokenOf = (locationId: string) =>
  sim.snapshot().locations.find((l) => l.id === locationId)?.tokens[0] ?? '';
const subscriptionOf = (adamId: number) =>
  sim
    .snapshot()
    .locations.find((l) => l.id === LOC)
    ?.subscriptions.find((s) => s.adamId === adamId);
const invariantHolds = ({ assigned, available, total }: SubscriptionCounts) =>
  assigned.renewing + assigned.expiring + available.renewing + available.expiring ===
  total.renewing + total.expiring;

async function start(limits: Record<string, number> = {}): Promise<void> {
  sim = await startAppleSimulator({
    quiet: true,
    enforceRateLimit: false,
    allowHttpNotifications: true,
    eventDelayMs: 60_000,
    notificationRetryMs: 60_000,
    pageSize: 2,
    now: () => now,
    seed: SEED,
    limits,
  });
  tokenText = tokenOf(LOC);
  token = new Secret(tokenText);
  client = new AppleVppHttpClient({ baseUrl: sim.baseUrl, clock: { now: () => now } });
  await subscribe(sim, tokenText, receiver, ['SUBSCRIPTION_MANAGEMENT', 'SUBSCRIPTION_COUNT']);
}

/** Waits for the events and the notifications they send. */
async function settled(): Promise<void> {
  await sim.settle();
}

beforeEach(async () => {
  now = new Date('2026-12-05T12:00:00Z');
  receiver = await startReceiver();
  await start();
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

describe('enable and disable (S1, S2)', () => {
  it('enable answers the state with mdmInfo; disable is refused (9818) while seats exist, and works where none do', async () => {
    const api = apiFor(sim, tokenText);
    const enabled = await client.enableSubscriptions(token);
    expect(enabled.subscriptionManagement).toBe(true);
    expect((await api.post('subscriptions/enable', {})).body.mdmInfo).toEqual({
      id: 'mdm-1',
      name: 'Test MDM',
      metadata: 'test',
    });
    const refused = await client.disableSubscriptions(token).catch((e: unknown) => e);
    expect(isVppError(refused, 'subscriptions_in_use') && refused.errorNumber).toBe(9818);
    expectError(await api.post('subscriptions/disable', {}), 400, 9818);

    // An org unit without subscriptions (and no mdmInfo yet: `null`, U16) can declare either way.
    const emptyApi = apiFor(sim, tokenOf(EMPTY_LOC));
    const disabled = await emptyApi.post('subscriptions/disable', {});
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ subscriptionManagement: false, mdmInfo: null });
    expect(sim.snapshot().locations.find((l) => l.id === EMPTY_LOC)?.subscriptionManagement).toBe('disabled');
  });
});

describe('cursor reads (S3, S4, S7)', () => {
  it('walks every page by nextCursor, filters by repeated keys or comma lists, and refuses a foreign or tampered cursor (9812)', async () => {
    const read = await client.readSubscriptions(token);
    expect(read.pages).toBe(2);
    expect(read.items.map((s) => s.adamId)).toEqual(['1600000001', '1600000002', '1600000003']);
    const emptied = read.items.find((s) => s.adamId === String(EMPTIED));
    expect(emptied?.parentAdamId).toBeNull();
    expect(emptied?.status).toBe('ACTIVE');
    for (const s of read.items) expect(invariantHolds(s.counts)).toBe(true);

    const api = apiFor(sim, tokenText);
    const first = await api.get('subscriptions');
    const page = expectParses(GetSubscriptionsResponseSchema, first.body);
    expect(first.body).not.toHaveProperty('mdmInfo');
    expect(typeof first.body.subscriptions[0].adamId).toBe('number');
    expect(page.nextCursor).toBeDefined();
    const second = await api.get('subscriptions', { cursor: page.nextCursor ?? '' });
    expect(second.body.subscriptions.map((s: { adamId: number }) => s.adamId)).toEqual([EMPTIED]);
    expect(second.body).not.toHaveProperty('nextCursor');
    expectError(await api.get('subscriptions/assignments', { cursor: page.nextCursor ?? '' }), 400, 9812);
    expectError(await api.get('subscriptions', { cursor: 'bm90LWEtY3Vyc29y' }), 400, 9812);
    expectError(await api.get('subscriptions', { adamId: 'abc' }), 400, 9813);
    expect((await api.get('subscriptions', { adamId: '999' })).body.subscriptions).toEqual([]);
    expect(
      (await api.get('subscriptions', { adamId: `${PAGES_PRO},${PAUSED}` })).body.subscriptions,
    ).toHaveLength(2);

    const filtered = await client.readSubscriptions(token, { adamIds: [String(PAUSED), String(EMPTIED)] });
    expect(filtered.items.map((s) => s.adamId)).toEqual([String(PAUSED), String(EMPTIED)]);
    const byParent = await client.readSubscriptions(token, { parentAdamIds: ['361309726'] });
    expect(byParent.items.map((s) => s.adamId)).toEqual([String(PAGES_PRO), String(PAUSED)]);
    const held = await client.readSubscriptionAssignments(token, { clientUserIds: ['u-3'] });
    expect(held.items).toEqual([{ adamId: String(PAUSED), clientUserId: 'u-3', renewing: true }]);
  });
});

describe('associate and disassociate (S5, S6)', () => {
  it('renewing and expiring seats, per-task failures in the status and the notifications, counts that add up', async () => {
    const renewing = await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-1', 'u-2', 'u-1', 'nobody'],
      renewing: true,
    });
    const expiring = await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-3', 'u-4'],
      renewing: false,
    });
    await settled();
    const first = await client.eventStatus(token, renewing.events[0]?.eventId ?? '');
    expect(first).toMatchObject({ state: 'partial', numRequested: 3, numCompleted: 2 });
    expect(first.failures).toEqual([
      expect.objectContaining({ errorNumber: 9814, clientUserIds: ['nobody'], assets: [] }),
    ]);
    // u-3 takes the one expiring licence; u-4's expiring seat sits on a renewing one (U8). 4 seats, 4 held.
    expect((await client.eventStatus(token, expiring.events[0]?.eventId ?? '')).state).toBe('complete');
    const counts = subscriptionOf(PAGES_PRO)?.counts;
    expect(counts).toEqual({
      assigned: { renewing: 2, expiring: 2 },
      available: { renewing: 0, expiring: 0 },
      total: { renewing: 3, expiring: 1 },
    });

    // No seat left: 9709 per task; the paused subscription takes no new seat (9811, U20).
    const full = await client.associateSubscriptions(token, {
      adamIds: [String(EMPTIED)],
      clientUserIds: ['u-1'],
      renewing: false,
    });
    await settled();
    expect((await client.eventStatus(token, full.events[0]?.eventId ?? '')).failures[0]?.errorNumber).toBe(
      9709,
    );
    sim.subscriptionAction(LOC, { action: 'purchase', adamId: PAGES_PRO, renewing: 0, expiring: 0 + 1 });
    const api = apiFor(sim, tokenText);
    expectError(
      await api.post('subscriptions/associate', {
        adamIds: [PAUSED],
        clientUserIds: ['u-1'],
        renewing: true,
      }),
      400,
      9811,
    );
    expectError(
      await api.post('subscriptions/associate', { adamIds: ['1600000001'], clientUserIds: ['u-1'] }),
      400,
      9813,
    );
    expectError(
      await api.post('subscriptions/associate', { adamIds: [PAGES_PRO], clientUserIds: [] }),
      400,
      9811,
    );
    expectError(
      await api.post('subscriptions/associate', { adamIds: [42], clientUserIds: ['u-1'] }),
      400,
      9813,
    );

    const notifications = receiver
      .ofType('SUBSCRIPTION_MANAGEMENT')
      .map((r) => NotificationSchema.parse(r.body));
    const ofRenewing = notifications.filter(
      (n) =>
        n.notificationType === 'SUBSCRIPTION_MANAGEMENT' &&
        n.notification.eventId === renewing.events[0]?.eventId,
    );
    expect(
      ofRenewing.map((n) => n.notificationType === 'SUBSCRIPTION_MANAGEMENT' && n.notification.result),
    ).toEqual(['SUCCESS', 'FAILURE']);
    const success = ofRenewing[0];
    expect(
      success?.notificationType === 'SUBSCRIPTION_MANAGEMENT' && success.notification.assignments,
    ).toEqual([
      { adamId: String(PAGES_PRO), clientUserId: 'u-1', renewing: true },
      { adamId: String(PAGES_PRO), clientUserId: 'u-2', renewing: true },
    ]);
    // The purchase sent the new inventory, absolute, without `assigned`.
    const count = receiver.ofType('SUBSCRIPTION_COUNT').at(-1)?.body;
    expect(count.notification).toEqual({
      parentAdamId: 361309726,
      adamId: PAGES_PRO,
      counts: { available: { renewing: 0, expiring: 1 }, total: { renewing: 3, expiring: 2 } },
    });

    // Not assigned: 9815 per task; a group's seat cannot be moved by the API (9817, U26).
    sim.subscriptionAction(LOC, { action: 'set-status', adamId: PAUSED, status: 'ACTIVE' });
    sim.subscriptionAction(LOC, {
      action: 'group-assign',
      adamId: PAUSED,
      clientUserId: 'u-4',
      renewing: true,
    });
    const takeBack = await client.disassociateSubscriptions(token, {
      adamIds: [String(PAUSED)],
      clientUserIds: ['u-1', 'u-4', 'u-3'],
      deferred: false,
    });
    await settled();
    const outcome = await client.eventStatus(token, takeBack.events[0]?.eventId ?? '');
    expect(outcome.failures.map((f) => [f.errorNumber, f.clientUserIds])).toEqual([
      [9815, ['u-1']],
      [9817, ['u-4']],
    ]);
    expect(subscriptionOf(PAUSED)?.seats.map((s) => s.clientUserId)).toEqual(['u-4']);
  });

  it('a request over maxSubscriptionClientUserIds is 9816; the client splits to the limit', async () => {
    await sim.close();
    await start({ maxSubscriptionClientUserIds: 2, maxSubscriptions: 1 });
    const api = apiFor(sim, tokenText);
    expectError(
      await api.post('subscriptions/associate', {
        adamIds: [PAGES_PRO],
        clientUserIds: ['u-1', 'u-2', 'u-3'],
      }),
      400,
      9816,
    );
    expectError(
      await api.post('subscriptions/associate', { adamIds: [PAGES_PRO, EMPTIED], clientUserIds: ['u-1'] }),
      400,
      9816,
    );
    sim.resetCalls();
    const submitted = await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO), String(EMPTIED)],
      clientUserIds: ['u-1', 'u-2', 'u-3'],
      renewing: true,
    });
    expect(submitted.rejected).toEqual([]);
    // 2 subscriptions × ceil(3 users / 2) = 4 calls, each within the limits.
    expect(sim.calls()['POST subscriptions/associate']).toBe(4);
    expect(submitted.events.map((e) => [e.request.adamIds, e.request.clientUserIds.length])).toEqual([
      [[String(PAGES_PRO)], 2],
      [[String(PAGES_PRO)], 1],
      [[String(EMPTIED)], 2],
      [[String(EMPTIED)], 1],
    ]);
  });

  it('a deferred disassociation keeps the seat until the period ends, then removes it and notifies with its own event', async () => {
    const granted = await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-1', 'u-2'],
      renewing: true,
    });
    const lapsing = await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-3'],
      renewing: false,
    });
    await settled();
    expect(granted.events).toHaveLength(1);
    expect(lapsing.events).toHaveLength(1);
    const removal = await client.disassociateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-2'],
      deferred: true,
    });
    const eventId = removal.events[0]?.eventId ?? '';
    receiver.received.length = 0;
    await settled();
    expect((await client.eventStatus(token, eventId)).state).toBe('complete');
    // Until the period's end: still listed, counts unchanged, nothing notified (U17).
    const before = await client.readSubscriptionAssignments(token, { adamIds: [String(PAGES_PRO)] });
    expect(before.items.map((a) => a.clientUserId)).toEqual(['u-1', 'u-2', 'u-3']);
    expect(receiver.received).toEqual([]);

    // The clock passes 00:00Z on the period's end: the next request finds the period ended (U21).
    now = new Date('2026-12-31T00:00:01Z');
    const after = await client.readSubscriptions(token, { adamIds: [String(PAGES_PRO)] });
    expect(after.items[0]).toMatchObject({
      periodEndDate: '2027-01-31',
      // u-2 removed as asked, u-3's expiring seat lapsed (U18), the expiring licence gone.
      counts: {
        assigned: { renewing: 1, expiring: 0 },
        available: { renewing: 2, expiring: 0 },
        total: { renewing: 3, expiring: 0 },
      },
    });
    await settled();
    const management = receiver.ofType('SUBSCRIPTION_MANAGEMENT').map((r) => r.body.notification);
    expect(management).toEqual([
      {
        type: 'DISASSOCIATE',
        result: 'SUCCESS',
        eventId,
        assignments: [{ adamId: PAGES_PRO, clientUserId: 'u-2', renewing: true }],
      },
    ]);
    // One SUBSCRIPTION_COUNT per subscription whose period ended; the emptied one is now INACTIVE (U35).
    expect(
      receiver
        .ofType('SUBSCRIPTION_COUNT')
        .map((r) => r.body.notification.adamId)
        .sort(),
    ).toEqual([PAGES_PRO, PAUSED, EMPTIED]);
    expect(subscriptionOf(EMPTIED)?.status).toBe('INACTIVE');
  });
});

describe('admins (S7–S9), retirement and the portal', () => {
  it('adds and removes admins synchronously; a retired user loses seats and admin roles at once (U23)', async () => {
    await client.addSubscriptionAdmins(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-1', 'u-2'],
    });
    const api = apiFor(sim, tokenText);
    expectError(
      await api.post('subscriptions/admins/add', { adamIds: [PAGES_PRO], clientUserIds: ['nobody'] }),
      400,
      9814,
    );
    const listed = await api.get('subscriptions/admins', {
      adamId: String(PAGES_PRO),
      includeUserState: true,
    });
    expect(listed.body.admins).toEqual([
      { adamId: PAGES_PRO, clientUserId: 'u-1', idHash: 'hash-u-1', userStatus: 'Associated' },
      { adamId: PAGES_PRO, clientUserId: 'u-2', userStatus: 'Registered' },
    ]);
    expect(
      (await api.get('subscriptions/admins', { adamId: String(PAGES_PRO) })).body.admins[0],
    ).not.toHaveProperty('userStatus');
    await client.removeSubscriptionAdmins(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-2', 'u-4'],
    });
    expect(subscriptionOf(PAGES_PRO)?.admins).toEqual(['u-1']);

    await client.associateSubscriptions(token, {
      adamIds: [String(PAGES_PRO)],
      clientUserIds: ['u-1'],
      renewing: true,
    });
    await settled();
    const retired = await client.retireUsers(token, [{ clientUserId: 'u-1' }]);
    expect(retired.events).toHaveLength(1);
    await settled();
    expect(subscriptionOf(PAGES_PRO)).toMatchObject({ seats: [], admins: [] });
  });

  it('marks unassigned seats for expiration and refuses what the portal would not do', async () => {
    sim.subscriptionAction(LOC, { action: 'mark-expiring', adamId: PAGES_PRO, count: 2 });
    expect(subscriptionOf(PAGES_PRO)?.counts.total).toEqual({ renewing: 1, expiring: 3 });
    expect(() =>
      sim.subscriptionAction(LOC, { action: 'mark-expiring', adamId: PAGES_PRO, count: 2 }),
    ).toThrow(/fewer than 2/);
    expect(() => sim.subscriptionAction(LOC, { action: 'set-status', adamId: 42, status: 'PAUSED' })).toThrow(
      /not in/,
    );
  });
});

describe('the simulator keeps subscriptions', () => {
  it('across a restart with a state directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-subscriptions-'));
    try {
      const first = await startAppleSimulator({
        quiet: true,
        stateDir: dir,
        seed: SEED,
        eventDelayMs: 1,
        now: () => now,
      });
      const firstToken = new Secret(first.snapshot().locations.find((l) => l.id === LOC)?.tokens[0] ?? '');
      const firstClient = new AppleVppHttpClient({ baseUrl: first.baseUrl });
      const removal = await firstClient.disassociateSubscriptions(firstToken, {
        adamIds: [String(PAUSED)],
        clientUserIds: ['u-3'],
        deferred: true,
      });
      await first.settle();
      await first.close();
      const second = await startAppleSimulator({ quiet: true, stateDir: dir, now: () => now });
      try {
        const location = second.snapshot().locations.find((l) => l.id === LOC);
        expect(location?.subscriptionManagement).toBe('enabled');
        expect(location?.subscriptions.find((s) => s.adamId === PAUSED)).toMatchObject({
          status: 'PAUSED',
          seats: [{ clientUserId: 'u-3', pendingRemovalEventId: removal.events[0]?.eventId }],
        });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the demo organisation holds subscriptions: renewing and expiring seats, one nearly used up, one paused', async () => {
    const demo = await startAppleSimulator({ quiet: true, seed: 'demo' });
    try {
      const subscriptions = demo.snapshot().locations.flatMap((l) => l.subscriptions);
      expect(subscriptions.some((s) => s.counts.total.renewing > 0 && s.counts.total.expiring > 0)).toBe(
        true,
      );
      expect(subscriptions.some((s) => s.counts.available.renewing + s.counts.available.expiring === 1)).toBe(
        true,
      );
      expect(subscriptions.filter((s) => s.status === 'PAUSED')).toHaveLength(1);
      for (const s of subscriptions) expect(invariantHolds(s.counts)).toBe(true);
    } finally {
      await demo.close();
    }
  });
});
