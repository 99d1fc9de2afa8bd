/**
 * The sync reads Apple's users page by page (sync-account.ts): each page is compared with our records
 * of the users on it only, a new user costs one write, an unchanged world none, and a user Apple lists
 * active on one page keeps that status when a retired entry of theirs comes on a later page.
 */
import { beforeEach, expect, it } from 'vitest';
import { syncAccount } from '../../../../shared/application/sync/sync-account.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { Actor } from '../../../../shared/domain/principal.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount } from '../../support/world.ts';

const actor: Actor = { type: 'system', id: 'sync' };
let deps: FakeDeps;
let account: Account;

const appleUser = (i: number, status: 'Registered' | 'Associated' | 'Retired' = 'Associated') => ({
  clientUserId: `user-${i}`,
  status,
  idHash: `hash-${i}`,
});

/** Counts the writes of user records (new ones and changes, one per record). */
function countUserWrites(): { readonly writes: number } {
  const counted = { writes: 0 };
  const { saveFromApple, putMany } = deps.users;
  deps.users.saveFromApple = async (users) => {
    counted.writes += users.length;
    return saveFromApple.call(deps.users, users);
  };
  deps.users.putMany = async (changes) => {
    counted.writes += changes.length;
    return putMany.call(deps.users, changes);
  };
  return counted;
}

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  deps.vpp.pageSize = 10;
  deps.vpp.users = Array.from({ length: 35 }, (_, i) => appleUser(i)) as never;
});

it('writes each new user once on a first full sync, reading one batch of ours per page', async () => {
  const counted = countUserWrites();
  const getMany = deps.users.getMany.bind(deps.users);
  const batches: number[] = [];
  deps.users.getMany = async (accountId, ids) => {
    batches.push(ids.length);
    return getMany(accountId, ids);
  };
  const report = await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
  expect(report.users).toEqual({ added: 35, updated: 0 });
  expect(counted.writes).toBe(35);
  expect(batches).toEqual([10, 10, 10, 5]);
  expect((await deps.users.listByAccount(account.id)).length).toBe(35);
});

it('writes no user when nothing changed, full or incremental', async () => {
  await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
  const counted = countUserWrites();
  expect((await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() })).users).toEqual({
    added: 0,
    updated: 0,
  });
  deps.vpp.usersSince = [appleUser(3)] as never;
  expect((await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() })).users).toEqual({
    added: 0,
    updated: 0,
  });
  expect(counted.writes).toBe(0);
});

it('writes only the users an incremental read returned that changed', async () => {
  await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
  const counted = countUserWrites();
  deps.vpp.usersSince = [appleUser(3, 'Retired'), appleUser(4), appleUser(99)] as never;
  const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
  expect(report.users).toEqual({ added: 1, updated: 1 });
  expect(counted.writes).toBe(2);
  expect((await deps.users.get(account.id, 'user-3'))?.appleStatus).toBe('Retired');
});

it('keeps the active entry of a user when a retired one of theirs comes on a later page', async () => {
  deps.vpp.users = [...deps.vpp.users, appleUser(2, 'Retired')] as never;
  await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
  expect((await deps.users.get(account.id, 'user-2'))?.appleStatus).toBe('Associated');
});
