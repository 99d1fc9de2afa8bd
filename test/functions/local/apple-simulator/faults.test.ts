import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiFor,
  call,
  expectError,
  type Json,
  LOC,
  type Receiver,
  startReceiver,
  startTestSimulator,
  subscribe,
  type TestSimulator,
} from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;

describe('HTTP fault rules', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.sim.close());

  it('throttle: 429 with 9646 and Retry-After, for `times` requests only', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ endpoint: 'GET assets', kind: 'throttle', times: 2, retryAfter: '2' }] });
    const api = apiFor(t.sim, t.token);
    // Act
    const first = await api.get('assets');
    const second = await api.get('assets');
    const third = await api.get('assets');
    const otherEndpoint = await api.get('users');
    // Assess
    expectError(first, 429, 9646);
    expect(first.headers.get('retry-after')).toBe('2');
    expectError(second, 429, 9646);
    expect(third.status).toBe(200);
    expect(otherEndpoint.status).toBe(200);
  });

  it('server_error: JSON 9603 with a given number, a gateway page without one; Retry-After as given', async () => {
    // Prepare
    t.sim.setFaults({
      rules: [
        { endpoint: 'GET assets', kind: 'server_error', times: 1, errorNumber: 9603, retryAfter: '120' },
        { endpoint: 'GET users', kind: 'server_error', times: 1, status: 502 },
        {
          endpoint: 'GET assignments',
          kind: 'server_error',
          times: 1,
          status: 504,
          retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT',
        },
      ],
    });
    const api = apiFor(t.sim, t.token);
    // Act
    const json = await api.get('assets');
    const gateway = await api.get('users');
    const timeout = await api.get('assignments');
    // Assess
    expectError(json, 500, 9603);
    expect(json.headers.get('retry-after')).toBe('120');
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get('content-type')).toContain('text/html');
    expect(gateway.text).toContain('502 Bad Gateway');
    expect(timeout.status).toBe(504);
    expect(timeout.headers.get('retry-after')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
  });

  it('unavailable: 503 with 9729 on any Apple endpoint when no endpoint is named', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ kind: 'unavailable', times: 2, retryAfter: '5' }] });
    // Act
    const config = await call(t.sim.baseUrl, 'GET', 'service/config');
    const assets = await apiFor(t.sim, t.token).get('assets');
    const lookup = await call(t.sim.url, 'GET', 'lookup', { query: { id: '1111111111' } });
    // Assess
    expectError(config, 503, 9729);
    expectError(assets, 503, 9729);
    expect(assets.headers.get('retry-after')).toBe('5');
    expect(lookup.status).toBe(200);
  });

  it('applies rules to the metadata lookup only when they name it', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ endpoint: 'GET lookup', kind: 'server_error', status: 502, times: 1 }] });
    // Act
    const failed = await call(t.sim.url, 'GET', 'lookup', { query: { id: '1111111111' } });
    const recovered = await call(t.sim.url, 'GET', 'lookup', { query: { id: '1111111111' } });
    const apple = await apiFor(t.sim, t.token).get('assets');
    // Assess
    expect(failed.status).toBe(502);
    expect(recovered.body.results['1111111111'].name).toBe('Alpha Maths');
    expect(apple.status).toBe(200);
  });

  it('slow: answers normally after the delay', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ endpoint: 'GET client/config', kind: 'slow', delayMs: 30, times: 1 }] });
    // Act
    const answer = await apiFor(t.sim, t.token).get('client/config');
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.locationName).toBe('North Campus');
  });

  it('legacy200: error bodies come with HTTP 200', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ kind: 'legacy200' }] });
    // Act
    const badToken = await apiFor(t.sim, 'eyJ0b2tlbiI6Im5vcGUifQ==').get('assets');
    const badRequest = await apiFor(t.sim, t.token).post('assets/associate', { assets: [ALPHA] });
    const fine = await apiFor(t.sim, t.token).get('users');
    // Assess
    expect(badToken.status).toBe(200);
    expect(badToken.body.errorNumber).toBe(9622);
    expect(badRequest.status).toBe(200);
    expect(badRequest.body.errorNumber).toBe(9719);
    expect(fine.body.users).toBeDefined();
  });

  it('drop_connection: the socket closes without an answer, and nothing is processed', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ endpoint: 'POST assets/associate', kind: 'drop_connection', times: 1 }] });
    // Act
    const attempt = apiFor(t.sim, t.token).post('assets/associate', {
      assets: [ALPHA],
      serialNumbers: ['S'],
    });
    // Assess
    await expect(attempt).rejects.toThrow();
    expect(t.sim.snapshot().events).toHaveLength(0);
    expect(t.sim.calls()['POST assets/associate']).toBe(1);
  });

  it('accept_then_fail: the write happens, the client gets a 500 without an Apple error body', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ endpoint: 'POST assets/associate', kind: 'accept_then_fail', times: 1 }] });
    const api = apiFor(t.sim, t.token);
    // Act
    const answer = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S'] });
    await t.sim.settle();
    // Assess
    expect(answer.status).toBe(500);
    expect(answer.body).toBeUndefined();
    expect(answer.text).toContain('500 Internal Server Error');
    expect(t.sim.snapshot().events).toEqual([
      expect.objectContaining({ eventStatus: 'COMPLETE', numCompleted: 1 }),
    ]);
    expect((await api.get('assignments')).body.assignments).toEqual([{ ...ALPHA, serialNumber: 'S' }]);
  });

  it('probability: reproducible with a seed', async () => {
    // Prepare
    const run = async (): Promise<number[]> => {
      const s = await startTestSimulator({ randomSeed: 42 });
      try {
        s.sim.setFaults({ rules: [{ endpoint: 'GET assets', kind: 'throttle', probability: 0.5 }] });
        const statuses: number[] = [];
        for (let i = 0; i < 20; i += 1) statuses.push((await apiFor(s.sim, s.token).get('assets')).status);
        return statuses;
      } finally {
        await s.sim.close();
      }
    };
    // Act
    const first = await run();
    const second = await run();
    // Assess
    expect(first).toEqual(second);
    expect(first).toContain(429);
    expect(first).toContain(200);
  });

  it('clearFaults removes every rule', async () => {
    // Prepare
    t.sim.setFaults({ rules: [{ kind: 'unavailable' }] });
    // Act
    t.sim.clearFaults();
    // Assess
    expect((await apiFor(t.sim, t.token).get('assets')).status).toBe(200);
  });
});

describe('event faults', () => {
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

  it('maintenance makes a whole event FAILED with 9644 and changes nothing', async () => {
    // Prepare
    await subscribe(t.sim, t.token, receiver);
    t.sim.setFaults({ events: { maintenanceProbability: 1 } });
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S1', 'S2'] });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'FAILED',
      numRequested: 2,
      numCompleted: 0,
      failures: [
        {
          errorNumber: 9644,
          errorMessage: expect.any(String),
          errorInfo: { assets: [ALPHA], serialNumbers: ['S1', 'S2'] },
        },
      ],
    });
    expect((await api.get('assignments')).body.assignments).toEqual([]);
    const [notification] = receiver.ofType('ASSET_MANAGEMENT').map((r) => r.body.notification);
    expect(notification).toMatchObject({ result: 'FAILURE', error: { errorNumber: 9644 } });
  });

  it('taskFailureProbability fails single tasks with 9603', async () => {
    // Prepare
    t.sim.setFaults({ events: { taskFailureProbability: 1 } });
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('users/create', {
      users: [{ clientUserId: 'a' }, { clientUserId: 'b' }],
    });
    await t.sim.settle();
    // Assess
    expect((await api.get('status', { eventId: body.eventId })).body).toMatchObject({
      eventStatus: 'FAILED',
      numCompleted: 0,
      failures: [{ errorNumber: 9603, errorInfo: { clientUserIds: ['a', 'b'] } }],
    });
  });
});

describe('notification faults', () => {
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

  it('dropAll: nothing is sent and the log says dropped', async () => {
    // Prepare
    t.sim.setFaults({ notifications: { dropAll: true } });
    // Act
    t.sim.purchase(LOC, ALPHA, 1);
    await t.sim.settle();
    // Assess
    expect(receiver.received).toHaveLength(0);
    expect(t.sim.snapshot().notifications.at(-1)).toMatchObject({
      notificationType: 'ASSET_COUNT',
      outcome: 'dropped',
    });
  });

  it('duplicateProbability: the same notification (same id) arrives twice', async () => {
    // Prepare
    t.sim.setFaults({ notifications: { duplicateProbability: 1 } });
    // Act
    t.sim.purchase(LOC, ALPHA, 1);
    await t.sim.settle();
    // Assess
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.body).toEqual(receiver.received[1]?.body);
    expect(t.sim.snapshot().notifications.at(-1)).toMatchObject({ duplicated: true, outcome: 'delivered' });
  });

  it('delayMs: a late notification is not due at settle() and arrives later by itself', async () => {
    // Prepare
    t.sim.setFaults({ notifications: { delayMs: 150 } });
    const api = apiFor(t.sim, t.token);
    // Act
    const { body } = await api.post('assets/associate', { assets: [ALPHA], serialNumbers: ['S'] });
    await t.sim.settle();
    const statusBeforeNotification = await api.get('status', { eventId: body.eventId });
    const receivedAtSettle = receiver.received.length;
    // Assess
    expect(statusBeforeNotification.body.eventStatus).toBe('COMPLETE');
    expect(receivedAtSettle).toBe(0);
    await expect
      .poll(() => receiver.ofType('ASSET_MANAGEMENT').length, { timeout: 5000, interval: 20 })
      .toBe(1);
  });
});

describe('paging faults', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator({ pageSize: 1 });
  });
  afterEach(() => t.sim.close());

  it('versionChangeBetweenPages: each page of a walk carries a new versionId', async () => {
    // Prepare
    t.sim.setFaults({ versionChangeBetweenPages: true });
    const api = apiFor(t.sim, t.token);
    // Act
    const page0 = await api.get('users');
    const page1 = await api.get('users', { pageIndex: 1 });
    const assets0 = await api.get('assets');
    const assets1 = await api.get('assets', { pageIndex: 1 });
    // Assess
    expect(page1.body.versionId).not.toBe(page0.body.versionId);
    expect(assets1.body.versionId).not.toBe(assets0.body.versionId);
    // Old versions stay known: an incremental read from the first page's version works.
    expect((await api.get('users', { sinceVersionId: page0.body.versionId })).status).toBe(200);
  });

  it('pagesGrow: totalPages grows during the walk', async () => {
    // Prepare
    t.sim.setFaults({ pagesGrow: true });
    const api = apiFor(t.sim, t.token);
    // Act
    const page0 = await api.get('users');
    const page1 = await api.get('users', { pageIndex: 1 });
    const walkAssets0 = await api.get('assets');
    const walkAssets1 = await api.get('assets', { pageIndex: 1 });
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'A' });
    t.sim.externalAssign(LOC, ALPHA, { serialNumber: 'B' });
    const assignments0 = await api.get('assignments');
    const assignments1 = await api.get('assignments', { pageIndex: 1 });
    // Assess
    expect(page0.body.totalPages).toBe(2);
    expect(page1.body.totalPages).toBe(3);
    expect(walkAssets1.body.totalPages).toBe(walkAssets0.body.totalPages + 1);
    expect(assignments1.body.totalPages).toBe(assignments0.body.totalPages + 1);
    const counts = (await api.get('assets', { adamId: '1111111111' })).body.assets.map((a: Json) => a);
    expect(counts[0].totalCount).toBe(counts[0].assignedCount + counts[0].availableCount);
  });
});
