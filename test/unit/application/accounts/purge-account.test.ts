/**
 * Purging a removed account's data (purge-account.ts): a budget per message, each message queuing the
 * next; once through, a later look (a function that read the account before its removal may still
 * write); never a live account's data.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { purgeAccountData } from '../../../../shared/application/accounts/purge-account.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenAsset, givenHoldings, givenUsers } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const message = (over = {}) => ({
  type: 'account-purge' as const,
  orgId: 'org-1',
  accountId: 'account-1',
  removed: 0,
  recheck: false,
  ...over,
});

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account, { adamId: '1' });
  givenAsset(deps, account, { adamId: '2' });
  await givenUsers(deps, account, {}, {});
  givenHoldings(deps, account, { subjectId: 'A' }, { subjectId: 'B' });
});

describe('purgeAccountData', () => {
  it('deletes nothing of an account that still exists', async () => {
    expect(await purgeAccountData(deps, message())).toEqual({ removed: 0, done: true });
    expect(await deps.assets.listByAccount(account.id)).toHaveLength(2);
    expect(deps.queue.sent).toEqual([]);
  });

  it('deletes a budget a message, each message queuing the next, then looks again later and ends audited', async () => {
    await deps.accounts.remove(account);
    // Act: the first message, 3 items of budget
    expect(await purgeAccountData(deps, message(), 3)).toEqual({ removed: 3, done: false });
    let [next] = deps.queue.take('jobs');
    expect(next).toMatchObject({ message: { removed: 3, recheck: false } });
    expect(next?.delaySeconds).toBeUndefined();
    // Drain the passes
    for (let i = 0; i < 10 && next && !(next.message as ReturnType<typeof message>).recheck; i++) {
      await purgeAccountData(deps, next.message as ReturnType<typeof message>, 3);
      [next] = deps.queue.take('jobs');
    }
    // Assess: through everything, the later look is delayed by purgeRecheckSeconds
    expect(next).toMatchObject({
      message: { recheck: true },
      delaySeconds: deps.settings.purgeRecheckSeconds,
    });
    expect(await deps.assignments.listByAccount(account.id)).toEqual([]);
    expect(await deps.users.listByAccount(account.id)).toEqual([]);
    expect(deps.audit.actions('account.data_purged')).toEqual([]);
    // A straggler written since the pass (a sync that read the account before its removal)
    givenHoldings(deps, account, { subjectId: 'LATE' });
    await purgeAccountData(deps, next?.message as ReturnType<typeof message>, 3);
    const [again] = deps.queue.take('jobs');
    expect(again).toMatchObject({ message: { recheck: true } });
    expect(await deps.assignments.listByAccount(account.id)).toEqual([]);
    // The quiet look ends it.
    await purgeAccountData(deps, again?.message as ReturnType<typeof message>, 3);
    expect(deps.queue.sent).toEqual([]);
    const [done] = deps.audit.actions('account.data_purged');
    expect(done).toMatchObject({ target: `account:${account.id}`, actor: { type: 'system' } });
    expect(done?.details?.itemsRemoved).toBeGreaterThanOrEqual(7);
  });
});
