/**
 * Workers that die between Apple's answer and their own writes (issue 7, point 5; SPEC §5.4, §5b). The
 * runtime's assignment repository is the real one, wrapped so that the write recording an accepted
 * request's event id throws (the worker is gone) at a chosen point: before it lands, or after it landed
 * and before the status poll is scheduled. The queue then delivers the message again, as SQS does.
 * The settlement store is wrapped too, to die before a chunk's commit (its job failures written) or
 * right after it. Each case ends with our state equal to Apple's, each licence assigned once, and the
 * job right.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoAssignmentRepository } from '../../shared/adapters/dynamodb/dynamo-assignment-repository.ts';
import { DynamoSettlementStore } from '../../shared/adapters/dynamodb/dynamo-settlement-store.ts';
import { systemClock } from '../../shared/adapters/system/system-clock.ts';
import { settleTasks, type TaskOutcome } from '../../shared/application/licenses/settle-event.ts';
import type { AssignmentRepository } from '../../shared/application/ports/assignment-repository.ts';
import type { SettlementStore } from '../../shared/application/ports/settlement-store.ts';
import { localClients } from '../../shared/composition/local.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
const LOCATION = 'crash-main';
const APP = { adamId: '6100000001', pricingParam: 'STDQ' as const };

/** The crash to inject: at the `at`-th event-id write of an event, `times` times in all. */
let plan: { at: number; lands: boolean; times: number } | undefined;
let crashed = 0;
const writes = new Map<string, number>();
const dead = new Set<string>();

function arm(next: { at: number; lands: boolean; times: number }) {
  plan = next;
  crashed = 0;
  writes.clear();
  dead.clear();
}

/**
 * The real repository; its writes that record an Apple event id (`transition`, and each move of
 * `transitionMany`, written one after another here) die as planned.
 */
function crashingAssignments(real: DynamoAssignmentRepository): AssignmentRepository {
  const transition: AssignmentRepository['transition'] = async (next, from) => {
    const eventId = next.eventId;
    const recordsEvent =
      eventId !== undefined &&
      !eventId.startsWith('claim:') &&
      (next.state === 'pending-grant' || next.state === 'pending-revoke');
    if (!recordsEvent || !plan) return real.transition(next, from);
    // Writes of this delivery still in flight when it died: the process is gone.
    if (dead.has(eventId)) throw new Error('injected crash: the worker is gone');
    const n = (writes.get(eventId) ?? 0) + 1;
    writes.set(eventId, n);
    if (n !== plan.at || crashed >= plan.times) return real.transition(next, from);
    crashed++;
    dead.add(eventId);
    if (plan.lands) await real.transition(next, from);
    throw new Error('injected crash after Apple accepted the request');
  };
  const transitionMany: AssignmentRepository['transitionMany'] = async (moves) => {
    const landed: boolean[] = [];
    for (const move of moves) landed.push(await transition(move.next, move.from));
    return landed;
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'transition') return transition;
      if (prop === 'transitionMany') return transitionMany;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as AssignmentRepository;
}

/** The crash to inject in settlements: before or after the `at`-th commit of an Apple event's moves. */
let settlePlan: { at: number; when: 'before' | 'after' } | undefined;
let settleCrashed = 0;
let commits = 0;

function armSettlement(next: { at: number; when: 'before' | 'after' }) {
  settlePlan = next;
  settleCrashed = 0;
  commits = 0;
}

/** The real store; its commit dies once, as planned, around the commit of an Apple event's moves. */
function crashingSettlements(real: SettlementStore): SettlementStore {
  return {
    closeBatch: (closing) => real.closeBatch(closing),
    async commit(moves) {
      const ofEvent = moves.some((m) => m.record.eventId && !m.record.eventId.startsWith('claim:'));
      if (!settlePlan || settleCrashed > 0 || !ofEvent || ++commits !== settlePlan.at)
        return real.commit(moves);
      settleCrashed++;
      if (settlePlan.when === 'before') throw new Error('injected crash before the settlement commit');
      await real.commit(moves);
      throw new Error('injected crash after the settlement commit');
    },
  };
}

const job = (id: string) => jobEnded(rt, id);

async function devices(serials: string[]) {
  for (let i = 0; i < serials.length; i += 1000) {
    const answer = await rt.call('PUT', '/v1/devices', {
      body: serials.slice(i, i + 1000).map((serialNumber) => ({ serialNumber, networkId: 'net-1' })),
    });
    expect(answer.status).toBe(200);
  }
}

const grant = (kind: 'grants' | 'revocations', serialNumbers: string[]) =>
  rt.call('POST', `/v1/accounts/${accountId}/assets/${APP.adamId}/${kind}`, { body: { serialNumbers } });

function appleHolders(): Set<string> {
  const location = rt.simulator.snapshot().locations.find((l) => l.id === LOCATION);
  const held = (location?.assignments ?? []).filter((a) => a.adamId === APP.adamId && a.serialNumber);
  // Each pair is held once at Apple.
  expect(new Set(held.map((a) => a.serialNumber)).size).toBe(held.length);
  return new Set(held.map((a) => a.serialNumber as string));
}

/** Our holdings and counts equal Apple's, nothing is in flight or reserved, and no DLQ holds anything. */
async function expectEqualToApple() {
  await rt.simulator.settle();
  const ours = await rt.deps.assignments.listByAsset(accountId, APP.adamId, APP.pricingParam);
  expect(ours.filter((a) => a.state === 'pending-grant' || a.state === 'pending-revoke')).toEqual([]);
  expect(new Set(ours.filter((a) => a.state === 'granted').map((a) => a.subjectId))).toEqual(appleHolders());
  const apple = rt.simulator
    .snapshot()
    .locations.find((l) => l.id === LOCATION)
    ?.assets.find((a) => a.adamId === APP.adamId);
  const asset = await eventually(
    async () => {
      const a = await rt.deps.assets.get(accountId, APP.adamId, APP.pricingParam);
      return a?.assignedCount === apple?.assignedCount && a?.availableCount === apple?.availableCount && a;
    },
    15_000,
    'asset counts equal to Apple',
  );
  expect(asset.pendingCount).toBe(0);
  for (const q of QUEUES) expect(await rt.queueDepth(q.id, 'dlq'), `${q.id} DLQ`).toBe(0);
}

beforeAll(async () => {
  const prefix = `t${randomUUID().slice(0, 8)}-`;
  const unused = 'http://127.0.0.1:9';
  const { dynamo } = localClients({
    dynamodb: inject('dynamoEndpoint'),
    sqs: unused,
    ses: unused,
    secretsManager: unused,
  });
  rt = await startTestRuntime({
    tablePrefix: prefix,
    overrides: {
      assignments: crashingAssignments(new DynamoAssignmentRepository(dynamo, `${prefix}assignments`)),
      settlements: crashingSettlements(
        new DynamoSettlementStore(
          dynamo,
          { assignments: `${prefix}assignments`, assets: `${prefix}assets`, core: `${prefix}core` },
          systemClock,
        ),
      ),
    },
    simulator: { seed: 'demo', eventDelayMs: 30 },
  });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'crash-org',
        name: 'Crash Schools',
        locations: [
          {
            id: LOCATION,
            name: 'Crash Main',
            assets: [
              { ...APP, productType: 'App', name: 'Crash App', totalCount: 5_000, deviceAssignable: true },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Crashes', email: 'it@demo.test', token: seeded.locations[0]?.tokens[0] },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
});
afterAll(async () => {
  await rt?.stop();
});
beforeEach(() => {
  plan = undefined;
  settlePlan = undefined;
  rt.simulator.clearFaults();
  rt.simulator.resetCalls();
});

describe('a worker that dies between Apple’s answer and its own write', () => {
  it('before writing the event id: the redelivery finds the grant at Apple and does not send it again', async () => {
    await devices(['CRASH-1']);
    arm({ at: 1, lands: false, times: 1 });
    const answer = await grant('grants', ['CRASH-1']);
    expect(answer.status).toBe(202);
    expect(await job(answer.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1, failed: 0 });
    expect(crashed).toBe(1);
    const calls = rt.simulator.calls();
    expect(calls['POST assets/associate']).toBe(1);
    expect(calls['GET assignments']).toBeGreaterThanOrEqual(1);
    expect(appleHolders().has('CRASH-1')).toBe(true);
    await expectEqualToApple();
  });

  it('before writing the event id of a revocation: the redelivery finds it gone at Apple', async () => {
    arm({ at: 1, lands: false, times: 1 });
    const answer = await grant('revocations', ['CRASH-1']);
    expect(answer.status).toBe(202);
    expect(await job(answer.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1, failed: 0 });
    expect(crashed).toBe(1);
    expect(rt.simulator.calls()['POST assets/disassociate']).toBe(1);
    expect(
      (await rt.deps.assignments.get(accountId, APP.adamId, APP.pricingParam, 'device', 'CRASH-1'))?.state,
    ).toBe('revoked');
    expect(appleHolders().has('CRASH-1')).toBe(false);
    await expectEqualToApple();
  });

  it('after writing the event id, before scheduling the poll, with the notification lost: the redelivery polls', async () => {
    await devices(['CRASH-2']);
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    arm({ at: 1, lands: true, times: 1 });
    const answer = await grant('grants', ['CRASH-2']);
    expect(await job(answer.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1, failed: 0 });
    expect(crashed).toBe(1);
    const calls = rt.simulator.calls();
    expect(calls['POST assets/associate']).toBe(1);
    expect(calls['GET status']).toBeGreaterThanOrEqual(1);
    expect(rt.simulator.snapshot().notifications.some((n) => n.outcome === 'dropped')).toBe(true);
    await expectEqualToApple();
  });

  it('a batch whose every message dies halfway through its writes is retried whole, and assigns each licence once', async () => {
    const serials = Array.from({ length: 2_100 }, (_, i) => `BATCH-${String(i).padStart(4, '0')}`);
    await devices(serials);
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    // Three batches (1,000 + 1,000 + 100 subjects): each delivery dies at its 40th record write, so
    // some records carry the event id (and need a poll) and the rest have none yet: their batch's claim
    // says they may have reached Apple (a check of Apple's holdings first).
    arm({ at: 40, lands: true, times: 3 });
    const answer = await grant('grants', serials);
    expect(answer.body.job.requested).toBe(2_100);
    const done = await job(answer.body.job.id);
    expect(done).toMatchObject({ state: 'succeeded', completed: 2_100, failed: 0, failures: [] });
    expect(crashed).toBe(3);
    expect(rt.simulator.calls()['POST assets/associate']).toBe(3);
    const holders = appleHolders();
    expect(serials.filter((s) => !holders.has(s))).toEqual([]);
    await expectEqualToApple();
  }, 120_000);

  it('a device removal whose worker dies before scheduling the poll, with the notification lost, still ends', async () => {
    await devices(['CRASH-3']);
    const granted = await grant('grants', ['CRASH-3']);
    expect((await job(granted.body.job.id)).state).toBe('succeeded');
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    arm({ at: 1, lands: true, times: 1 });
    const removed = await rt.call('DELETE', '/v1/devices/CRASH-3');
    expect(removed.status).toBe(202);
    expect(await job(removed.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1, failed: 0 });
    expect(crashed).toBe(1);
    expect(rt.simulator.calls()['POST assets/revoke']).toBe(1);
    expect(appleHolders().has('CRASH-3')).toBe(false);
    await expectEqualToApple();
  });

  it.each([
    [2, 'the redelivery settles the rest'],
    [4, 'nothing is left to settle, and the job has the state its counts give'],
  ] as const)(
    'a poll whose worker dies right after committing chunk %i of 4 of its settlement: %s, each counted once',
    async (at, _what) => {
      const serials = Array.from({ length: 300 }, (_, i) => `SETTLE${at}-${String(i).padStart(3, '0')}`);
      await devices(serials);
      rt.simulator.setFaults({ notifications: { dropAll: true } });
      // 300 records settle in commits of 90, 90, 90 and 30: the worker dies after the `at`-th landed.
      armSettlement({ at, when: 'after' });
      const answer = await grant('grants', serials);
      expect(answer.status).toBe(202);
      expect(await job(answer.body.job.id)).toMatchObject({
        state: 'succeeded',
        completed: 300,
        failed: 0,
        failures: [],
      });
      expect(settleCrashed).toBe(1);
      expect(rt.simulator.calls()['POST assets/associate']).toBe(1);
      const holders = appleHolders();
      expect(serials.filter((s) => !holders.has(s))).toEqual([]);
      await expectEqualToApple();
    },
    60_000,
  );

  it('a poll whose worker dies after writing the job failures, before the commit: the redelivery counts each outcome once', async () => {
    const serials = Array.from({ length: 200 }, (_, i) => `FAILS-${String(i).padStart(3, '0')}`);
    await devices(serials);
    rt.simulator.setFaults({ notifications: { dropAll: true }, events: { taskFailureProbability: 0.2 } });
    armSettlement({ at: 1, when: 'before' });
    const answer = await grant('grants', serials);
    expect(answer.status).toBe(202);
    const done = await job(answer.body.job.id);
    expect(settleCrashed).toBe(1);
    const ours = (await rt.deps.assignments.listByAsset(accountId, APP.adamId, APP.pricingParam)).filter(
      (a) => serials.includes(a.subjectId),
    );
    const granted = ours.filter((a) => a.state === 'granted').map((a) => a.subjectId);
    const failed = ours.filter((a) => a.state === 'failed').map((a) => a.subjectId);
    expect(granted.length + failed.length).toBe(200);
    expect(failed.length).toBeGreaterThan(0);
    expect(done).toMatchObject({
      state: granted.length > 0 ? 'partially_failed' : 'failed',
      completed: granted.length,
      failed: failed.length,
    });
    expect(new Set(done.failures.map((f: { subject: string }) => f.subject))).toEqual(
      new Set(failed.map((s) => `device:${s}`)),
    );
    const holders = appleHolders();
    expect(granted.every((s) => holders.has(s))).toBe(true);
    expect(failed.some((s) => holders.has(s))).toBe(false);
    await expectEqualToApple();
  }, 60_000);
});

describe('settlers of one event that race', () => {
  it('a notification and a poll settling the same records at once count each record once', async () => {
    // An asset of our own (Apple does not hold it), so Apple's counts of the others stay as they are.
    const asset = { adamId: '6100000999', pricingParam: 'STDQ' as const };
    const now = new Date().toISOString();
    await rt.deps.assets.saveAppleFacts([
      {
        accountId,
        ...asset,
        productType: 'App',
        deviceAssignable: true,
        revocable: true,
        supportedPlatforms: ['iOS'],
        unlimited: false,
        totalCount: 1_000,
        assignedCount: 0,
        availableCount: 1_000,
        retiredCount: 0,
        pendingCount: 0,
        updatedAt: now,
      },
    ]);
    const n = 250;
    expect(await rt.deps.assets.reserve(accountId, asset.adamId, asset.pricingParam, n)).toBe(n);
    const jobId = `race-${randomUUID()}`;
    await rt.deps.jobs.create({
      id: jobId,
      orgId: 'demo',
      accountId,
      type: 'grant',
      state: 'running',
      requested: n,
      completed: 0,
      failed: 0,
      failures: [],
      createdBy: 'test',
      createdAt: now,
      updatedAt: now,
    });
    const eventId = `race-event-${randomUUID()}`;
    const records: AssignmentRecord[] = Array.from({ length: n }, (_, i) => ({
      orgId: 'demo',
      accountId,
      ...asset,
      subjectType: 'device',
      subjectId: `RACE-${String(i).padStart(3, '0')}`,
      state: 'pending-grant',
      source: 'manual',
      jobId,
      eventId,
      createdAt: now,
      updatedAt: now,
    }));
    await rt.deps.assignments.putMany(records);
    // Every tenth task failed at Apple; both settlers hear the same answer, in different orders.
    const outcomes: TaskOutcome[] = records.map((record, i) =>
      i % 10 === 0 ? { record, error: { errorNumber: 9603, errorMessage: 'Internal error' } } : { record },
    );
    const moved = await Promise.all([
      settleTasks(rt.deps, eventId, outcomes),
      settleTasks(rt.deps, eventId, [...outcomes].reverse()),
      settleTasks(rt.deps, eventId, outcomes.slice(100).concat(outcomes.slice(0, 100))),
    ]);
    expect(moved.reduce((a, b) => a + b.moved, 0)).toBe(n);
    const done = await rt.deps.jobs.get(jobId);
    expect(done).toMatchObject({ state: 'partially_failed', completed: 225, failed: 25 });
    expect(done?.failures).toHaveLength(25);
    expect(await rt.deps.assets.get(accountId, asset.adamId, asset.pricingParam)).toMatchObject({
      // Each record gave back its reservation once; the counts stay as Apple last said them.
      pendingCount: 0,
      assignedCount: 0,
      availableCount: 1_000,
    });
    const ours = await rt.deps.assignments.listByAsset(accountId, asset.adamId, asset.pricingParam);
    expect(ours.filter((a) => a.state === 'granted')).toHaveLength(225);
    expect(ours.filter((a) => a.state === 'failed')).toHaveLength(25);
    await rt.deps.assets.remove(accountId, asset.adamId, asset.pricingParam);
  }, 60_000);
});
