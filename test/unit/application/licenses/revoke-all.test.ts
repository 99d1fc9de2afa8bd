/**
 * Apple's assets/revoke for a removed device or a retired user (revoke-all.ts): only the records the
 * job moved to pending-revoke and not yet sent go, each account once; refusals and a blocked account
 * fail them (they stay granted); outages retry the message; a redelivery polls what was sent.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { reclaimDevice, revokeAll } from '../../../../shared/application/licenses/revoke-all.ts';
import { RetryLaterError } from '../../../../shared/application/retry-later.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { appleRefusal, type FakeDeps, fakeDeps, vppFault } from '../../../support/fakes/index.ts';
import { givenAccount, givenAsset, givenHoldings, givenJob } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const first = { receiveCount: 1, maxReceiveCount: 5 };

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account);
  await givenJob(deps, { id: 'job-r', type: 'retirement', requested: 2, state: 'running' });
});

const pending = (subjectId: string, over = {}) =>
  givenHoldings(deps, account, {
    subjectType: 'user',
    subjectId,
    state: 'pending-revoke',
    jobId: 'job-r',
    ...over,
  })[0];
const read = (subjectId: string, adamId = '361309726') =>
  deps.assignments.get(account.id, adamId, 'STDQ', 'user', subjectId);

describe('revokeAll', () => {
  it('sends the unsent records of the job in one call, writes the event on them and schedules the poll', async () => {
    const records = [pending('ana'), pending('ben'), pending('cy', { jobId: 'another-job' })].filter(
      (r) => r !== undefined,
    );
    const outcome = await revokeAll(
      deps,
      { accountId: account.id, jobId: 'job-r', records, afterwards: { retireUsers: ['ana', 'ben'] } },
      first,
    );
    expect(outcome).toBe('sent');
    expect(deps.vpp.callsOf('revokeAssets').map((c) => c.args[0])).toEqual([
      { serialNumbers: [], clientUserIds: ['ana', 'ben'] },
    ]);
    expect(await read('ana')).toMatchObject({ state: 'pending-revoke', eventId: 'event-1' });
    expect(await read('cy')).not.toHaveProperty('eventId');
    expect(deps.queue.messages('events')).toMatchObject([
      {
        eventId: 'event-1',
        eventType: 'REVOKE',
        jobId: 'job-r',
        afterwards: { retireUsers: ['ana', 'ben'] },
      },
    ]);
  });

  it("answers 'nothing' when no record waits, and polls again on a redelivery what was sent", async () => {
    expect(await revokeAll(deps, { accountId: account.id, jobId: 'job-r', records: [] }, first)).toBe(
      'nothing',
    );
    const sent = pending('ana', { eventId: 'event-7' });
    if (!sent) throw new Error('no record');
    expect(
      await revokeAll(
        deps,
        { accountId: account.id, jobId: 'job-r', records: [sent] },
        { ...first, receiveCount: 2 },
      ),
    ).toBe('sent');
    expect(deps.vpp.calls).toEqual([]);
    expect(deps.queue.messages('events')).toMatchObject([{ eventId: 'event-7', eventType: 'REVOKE' }]);
  });

  it('fails what Apple refused: the holder keeps the licence, with the reason', async () => {
    const records = [pending('ana')].filter((r) => r !== undefined);
    deps.vpp.on('revokeAssets', async (_t, request) => ({
      events: [],
      rejected: [{ request, error: appleRefusal(9609) }],
    }));
    await revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, first);
    expect(await read('ana')).toMatchObject({ state: 'granted', error: { errorNumber: 9609 } });
    expect(await deps.jobs.get('job-r')).toMatchObject({ failed: 1 });
  });

  it('retries the message while Apple is down, and fails the records on its last delivery', async () => {
    const records = [pending('ana')].filter((r) => r !== undefined);
    deps.vpp.fail('revokeAssets', appleRefusal(9644), 2);
    await expect(
      revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, first),
    ).rejects.toBeInstanceOf(RetryLaterError);
    expect(await read('ana')).toMatchObject({ state: 'pending-revoke' });
    await revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, { ...first, receiveCount: 5 });
    expect(await read('ana')).toMatchObject({
      state: 'granted',
      error: { code: 'apple.service_unavailable' },
    });
  });

  it("fails the records with Apple's failure, not as a blocked account, when the network fails on the last delivery", async () => {
    const records = [pending('ana')].filter((r) => r !== undefined);
    deps.vpp.fail('revokeAssets', vppFault('network', 'Apple could not be reached.'), 2);
    await expect(
      revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, first),
    ).rejects.toBeInstanceOf(RetryLaterError);
    await revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, { ...first, receiveCount: 5 });
    const failed = await read('ana');
    expect(failed).toMatchObject({ state: 'granted', error: { code: 'apple.internal', errorNumber: 9603 } });
    expect(failed?.error?.code).not.toBe('account.blocked');
    expect((await deps.jobs.get('job-r'))?.failures).toMatchObject([{ code: 'apple.internal' }]);
  });

  it('sends nothing for a blocked account, failing the records with the reason', async () => {
    const records = [pending('ana')].filter((r) => r !== undefined);
    await revokeAll(deps, { accountId: account.id, jobId: 'job-r', records }, first);
    deps.vpp.calls.length = 0;
    const blocked = pending('ben');
    const read0 = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update({ ...read0, status: 'claimed-elsewhere', claimedBy: 'Other MDM' }, read0);
    await revokeAll(
      deps,
      { accountId: account.id, jobId: 'job-r', records: blocked ? [blocked] : [] },
      first,
    );
    expect(deps.vpp.calls).toEqual([]);
    expect(await read('ben')).toMatchObject({ state: 'granted', error: { code: 'account.blocked' } });
  });
});

describe('reclaimDevice', () => {
  it("revokes the device's holdings in each account it holds them in, once per account", async () => {
    const second = await givenAccount(deps, { id: 'account-2' });
    await givenJob(deps, { id: 'job-d', type: 'device-removal', accountId: undefined, requested: 2 });
    givenHoldings(deps, account, { subjectId: 'DEV', state: 'pending-revoke', jobId: 'job-d' });
    givenHoldings(deps, second, { subjectId: 'DEV', adamId: '42', state: 'pending-revoke', jobId: 'job-d' });
    await reclaimDevice(deps, { orgId: account.orgId, jobId: 'job-d', serialNumber: 'DEV' }, first);
    const calls = deps.vpp.callsOf('revokeAssets');
    expect(calls.map((c) => c.token).sort()).toEqual(['token-of-account-1', 'token-of-account-2']);
    expect(calls.map((c) => c.args[0])).toEqual([
      { serialNumbers: ['DEV'], clientUserIds: [] },
      { serialNumbers: ['DEV'], clientUserIds: [] },
    ]);
    expect((await deps.jobs.get('job-d'))?.state).toBe('running');
  });
});
