/**
 * Long jobs advance on Apple's notification, not on the poll (SPEC §5.4: the notification first, the
 * status poll when it is late): with the first event poll an hour away, an invitation (register, then
 * the e-mail), a grant and a retirement (revoke, then retire) still end, each step moved on by Apple's
 * notification of the one before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
const APP = { adamId: '7100000001', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '7100000002', pricingParam: 'STDQ' as const };
const LOCATION = 'notify-main';

const job = (id: string) => jobEnded(rt, id, 30_000);

async function addUser(email: string, extra: Record<string, unknown> = {}) {
  const answer = await rt.call('POST', `/v1/accounts/${accountId}/users`, { body: { email, ...extra } });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

beforeAll(async () => {
  rt = await startTestRuntime({ eventFirstPollSeconds: 3_600, eventPollIntervalSeconds: 3_600 });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'notify-org',
        name: 'Notify District',
        managedAppleIdDomain: 'notify.appleaccount.example',
        locations: [
          {
            id: LOCATION,
            name: 'Notify Main',
            assets: [
              { ...APP, productType: 'App', name: 'An App', totalCount: 20, deviceAssignable: false },
              { ...BOOK, productType: 'Book', name: 'A Book', totalCount: 20, deviceAssignable: false },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Notify Academy', email: 'it@demo.test', token: seeded.locations[0]?.tokens[0] },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
});
afterAll(async () => {
  await rt?.stop();
});

describe('with the first event poll an hour away', () => {
  it('an invitation ends: registered at Apple, then the e-mail, on the notification', async () => {
    const userId = await addUser('jo@notify.test');
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [userId] },
    });
    expect(await job(invited.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    expect((await rt.outbox()).some((m) => m.destination.to.includes('jo@notify.test'))).toBe(true);
  });

  it('a grant and a retirement end: revoke, then retire, each on the notification of the step before', async () => {
    const userId = await addUser('ret@notify.test', { managedAppleId: 'ret@notify.appleaccount.example' });
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [userId] },
    });
    expect(await job(invited.body.job.id)).toMatchObject({ state: 'succeeded' });
    for (const asset of [APP, BOOK]) {
      const granted = await rt.call('POST', `/v1/accounts/${accountId}/assets/${asset.adamId}/grants`, {
        body: { userIds: [userId] },
      });
      expect(granted.status).toBe(202);
      expect(await job(granted.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    }
    rt.simulator.resetCalls();
    const retired = await rt.call('POST', `/v1/accounts/${accountId}/users/retirements`, {
      body: { userIds: [userId] },
    });
    expect(retired.status).toBe(202);
    expect(await job(retired.body.job.id)).toMatchObject({ state: 'succeeded', completed: 2 });
    expect((await rt.deps.users.get(accountId, userId))?.status).toBe('Retired');
    // Moved on by the notifications alone: Apple was never asked for an event's status.
    expect(rt.simulator.calls()['POST assets/revoke']).toBe(1);
    expect(rt.simulator.calls()['POST users/retire']).toBe(1);
    expect(rt.simulator.calls()['GET status'] ?? 0).toBe(0);
  });
});
