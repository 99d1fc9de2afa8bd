/**
 * Adding, reading and changing users (add-user.ts, read-users.ts, update-user.ts): one user per e-mail
 * in an account, filters and paging, an e-mail change sent to Apple for registered users and undone when
 * Apple refuses it, and nothing written when nothing changes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { addUser } from '../../../../shared/application/users/add-user.ts';
import { getUser, listUsers } from '../../../../shared/application/users/read-users.ts';
import { updateUser } from '../../../../shared/application/users/update-user.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../../shared/domain/errors.ts';
import type { VppUser } from '../../../../shared/domain/vpp-user.ts';
import { appleRefusal, type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenHoldings,
  givenUsers,
  listedAdmin,
  must,
  orgAdmin,
  otherAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('addUser', () => {
  it('adds a New user with a fresh id, asks nothing of Apple, and records it', async () => {
    const view = await addUser(deps, listedAdmin, account.id, {
      email: 'ana@example.test',
      name: 'Ana',
      tags: ['maths'],
    });
    expect(view).toMatchObject({
      email: 'ana@example.test',
      name: 'Ana',
      tags: ['maths'],
      status: 'New',
      source: 'api',
    });
    expect(await deps.users.get(account.id, view.id)).toMatchObject({ status: 'New', version: 0 });
    expect(deps.vpp.calls).toEqual([]);
    expect(deps.audit.actions('user.created')[0]).toMatchObject({ target: `user:${account.id}/${view.id}` });
  });

  it('refuses an e-mail the account already has (user.email_taken), and allows it in another account', async () => {
    await addUser(deps, orgAdmin, account.id, { email: 'ana@example.test', tags: [] });
    const refused = addUser(deps, orgAdmin, account.id, { email: 'ana@example.test', tags: [] });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({ code: 'user.email_taken' });
    const other = await givenAccount(deps, { id: 'account-2' });
    await expect(
      addUser(deps, orgAdmin, other.id, { email: 'ana@example.test', tags: [] }),
    ).resolves.toBeDefined();
  });

  it('refuses the e-mail of a retired user (user.retired_exists), naming that user and saying to invite them', async () => {
    await givenUsers(deps, account, { id: 'u-gone', email: 'gone@example.test', status: 'Retired' });
    const refused = addUser(deps, orgAdmin, account.id, { email: 'gone@example.test', tags: [] });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    const error = await refused.then(
      () => new Error('not refused'),
      (e: Error) => e,
    );
    expect(error).toMatchObject({ code: 'user.retired_exists', details: { userId: 'u-gone' } });
    expect(error.message).toContain('u-gone');
    expect(error.message).toContain(`/v1/accounts/${account.id}/users/invitations`);
    expect(error.message).not.toMatch(/add them again/i);
    expect((await deps.users.listByAccount(account.id)).map((u) => u.id)).toEqual(['u-gone']);
    expect(deps.audit.actions('user.created')).toEqual([]);
  });

  it('is refused to viewers (403) and to admins the account does not list (404)', async () => {
    await expect(
      addUser(deps, viewer, account.id, { email: 'a@example.test', tags: [] }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      addUser(deps, otherAdmin, account.id, { email: 'a@example.test', tags: [] }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('listUsers and getUser', () => {
  beforeEach(async () => {
    await givenUsers(
      deps,
      account,
      { id: 'u-b', email: 'b@example.test', tags: ['x'], status: 'Associated' },
      { id: 'u-a', email: 'a@example.test', tags: ['x', 'y'] },
      { id: 'u-ab', email: 'a@example.test.uk', tags: ['y'] },
      { id: 'u-c', email: 'c@example.test', status: 'Retired' },
    );
  });

  it('sorts by e-mail (a shorter address first), filters by status, tag and exact e-mail in any case, and pages', async () => {
    expect((await listUsers(deps, viewer, account.id, { limit: 10 })).items.map((u) => u.id)).toEqual([
      'u-a',
      'u-ab',
      'u-b',
      'u-c',
    ]);
    expect(
      (await listUsers(deps, viewer, account.id, { limit: 10, tag: 'x', status: 'Invited' })).items.map(
        (u) => u.id,
      ),
    ).toEqual(['u-a']);
    expect(
      (await listUsers(deps, viewer, account.id, { limit: 10, email: 'A@Example.test' })).items.map(
        (u) => u.id,
      ),
    ).toEqual(['u-a']);
    expect(
      (await listUsers(deps, viewer, account.id, { limit: 10, email: 'nobody@example.test' })).items,
    ).toEqual([]);
    const first = await listUsers(deps, viewer, account.id, { limit: 3 });
    const second = await listUsers(deps, viewer, account.id, { limit: 3, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((u) => u.id)).toEqual(['u-a', 'u-ab', 'u-b', 'u-c']);
  });

  it('searches by the start of an e-mail, of a name or of a word of it, in any case', async () => {
    await givenUsers(
      deps,
      account,
      { id: 'u-sam', email: 'sam.lee@pupils.test', name: 'Sam Lee' },
      { id: 'u-kim', email: 'k.ng@pupils.test', name: 'Kim Ng' },
    );
    const ids = async (search: string) =>
      (await listUsers(deps, viewer, account.id, { limit: 10, search })).items.map((u) => u.id);
    expect(await ids('SAM.')).toEqual(['u-sam']);
    expect(await ids('ng')).toEqual(['u-kim']);
    expect(await ids('sam le')).toEqual(['u-sam']);
    expect(await ids('a@example.test')).toEqual(['u-a', 'u-ab']);
    expect(await ids('lee@')).toEqual([]);
  });

  it("never shows Apple's invitation code or idHash", async () => {
    const { items } = await listUsers(deps, viewer, account.id, { limit: 10 });
    for (const user of items) {
      expect(user).not.toHaveProperty('inviteCode');
      expect(user).not.toHaveProperty('idHash');
      expect(user).not.toHaveProperty('version');
    }
  });

  it('shows the licences a user holds or is about to hold, not those revoked or failed', async () => {
    givenHoldings(
      deps,
      account,
      { subjectType: 'user', subjectId: 'u-a', adamId: '1' },
      { subjectType: 'user', subjectId: 'u-a', adamId: '2', state: 'pending-grant' },
      { subjectType: 'user', subjectId: 'u-a', adamId: '3', state: 'revoked' },
      { subjectType: 'user', subjectId: 'u-a', adamId: '4', state: 'failed' },
      { subjectType: 'user', subjectId: 'u-a', adamId: '5', state: 'pending-revoke' },
    );
    givenAsset(deps, account, { adamId: '1', name: 'Pages' });
    givenAsset(deps, account, { adamId: '2', name: 'A Book', productType: 'Book' });
    const user = await getUser(deps, viewer, account.id, 'u-a');
    expect(user.licenses.map((l) => `${l.adamId}:${l.state}`)).toEqual([
      '1:granted',
      '2:pending-grant',
      '5:pending-revoke',
    ]);
    // Each by its asset's name and kind; one whose asset is no longer known by its adamId alone.
    expect(user.licenses).toEqual([
      {
        adamId: '1',
        pricingParam: 'STDQ',
        name: 'Pages',
        productType: 'App',
        state: 'granted',
        source: 'manual',
      },
      {
        adamId: '2',
        pricingParam: 'STDQ',
        name: 'A Book',
        productType: 'Book',
        state: 'pending-grant',
        source: 'manual',
      },
      { adamId: '5', pricingParam: 'STDQ', state: 'pending-revoke', source: 'manual' },
    ]);
    await expect(getUser(deps, viewer, account.id, 'nope')).rejects.toMatchObject({ code: 'user.not_found' });
  });
});

describe('updateUser', () => {
  let ana: VppUser;
  beforeEach(async () => {
    [ana] = (await givenUsers(deps, account, {
      id: 'ana',
      email: 'ana@example.test',
      name: 'Ana',
      tags: ['a', 'b'],
      status: 'New',
    })) as [VppUser];
  });

  it('changes name and tags here only, records what changed, and removes the name with null', async () => {
    const view = await updateUser(deps, orgAdmin, account.id, 'ana', { tags: ['c'] });
    expect(view.tags).toEqual(['c']);
    expect(deps.vpp.calls).toEqual([]);
    expect(deps.audit.actions('user.updated')[0]?.details).toMatchObject({ changed: ['tags'] });
    const nameless = await updateUser(deps, orgAdmin, account.id, 'ana', { name: null });
    expect(nameless).not.toHaveProperty('name');
    expect(await deps.users.get(account.id, 'ana')).not.toHaveProperty('name');
  });

  it('writes nothing when nothing changes (tags compare as a set)', async () => {
    const view = await updateUser(deps, orgAdmin, account.id, 'ana', {
      tags: ['b', 'a'],
      name: 'Ana',
      email: 'ana@example.test',
    });
    expect(view.tags).toEqual(['a', 'b']);
    expect((await deps.users.get(account.id, 'ana'))?.version).toBe(ana.version);
    expect(deps.audit.entries()).toEqual([]);
    expect(deps.queue.sent).toEqual([]);
  });

  it('moves the e-mail claim of a New user without asking Apple, and asks for a reconciliation', async () => {
    await updateUser(deps, orgAdmin, account.id, 'ana', { email: 'ana.new@example.test' });
    expect(await deps.users.findByEmail(account.id, 'ana.new@example.test')).toMatchObject({ id: 'ana' });
    expect(await deps.users.findByEmail(account.id, 'ana@example.test')).toBeUndefined();
    expect(deps.vpp.calls).toEqual([]);
    expect(deps.queue.messages('jobs')).toMatchObject([{ type: 'reconcile' }]);
  });

  it("refuses another user's e-mail (user.email_taken) and changes nothing", async () => {
    await givenUsers(deps, account, { id: 'ben', email: 'ben@example.test' });
    await expect(
      updateUser(deps, orgAdmin, account.id, 'ana', { email: 'ben@example.test' }),
    ).rejects.toMatchObject({ code: 'user.email_taken' });
    expect((await deps.users.get(account.id, 'ana'))?.email).toBe('ana@example.test');
  });

  it('sends the new e-mail of a user registered at Apple as an update, without waiting for it', async () => {
    [ana] = (await givenUsers(deps, account, {
      id: 'reg',
      email: 'reg@example.test',
      status: 'Associated',
    })) as [VppUser];
    await updateUser(deps, orgAdmin, account.id, 'reg', { email: 'reg.new@example.test' });
    expect(deps.vpp.callsOf('updateUsers').map((c) => c.args[0])).toEqual([
      [{ clientUserId: 'reg', email: 'reg.new@example.test' }],
    ]);
    expect(deps.audit.actions('user.updated')[0]?.details).toMatchObject({
      changed: ['email'],
      appleEventId: 'event-1',
    });
  });

  it('undoes the change when Apple refuses the update (apple.update_refused)', async () => {
    await givenUsers(deps, account, { id: 'reg', email: 'reg@example.test', status: 'Invited' });
    deps.vpp.on('updateUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9641) }],
    }));
    await expect(
      updateUser(deps, orgAdmin, account.id, 'reg', { email: 'reg.new@example.test' }),
    ).rejects.toMatchObject({
      code: 'apple.update_refused',
      kind: 'upstream',
    });
    expect((await deps.users.get(account.id, 'reg'))?.email).toBe('reg@example.test');
    expect(await deps.users.findByEmail(account.id, 'reg@example.test')).toMatchObject({ id: 'reg' });
    expect(await deps.users.findByEmail(account.id, 'reg.new@example.test')).toBeUndefined();
    expect(deps.audit.actions('user.updated')).toEqual([]);
  });

  it('undoes the change when Apple refuses the token, and the account says so', async () => {
    await givenUsers(deps, account, { id: 'reg', email: 'reg@example.test', status: 'Invited' });
    deps.vpp.on('updateUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9625) }],
    }));
    await expect(
      updateUser(deps, orgAdmin, account.id, 'reg', { email: 'reg.new@example.test' }),
    ).rejects.toMatchObject({
      kind: 'token_revoked',
    });
    expect((await deps.users.get(account.id, 'reg'))?.email).toBe('reg@example.test');
    expect((await deps.accounts.get(account.id))?.status).toBe('revoked');
  });

  it('undoes the change when the account may not write to Apple', async () => {
    await givenUsers(deps, account, { id: 'reg', email: 'reg@example.test', status: 'Invited' });
    const read = must(await deps.accounts.get(account.id));
    await deps.accounts.update({ ...read, status: 'claimed-elsewhere' }, read);
    await expect(
      updateUser(deps, orgAdmin, account.id, 'reg', { email: 'reg.new@example.test' }),
    ).rejects.toMatchObject({
      code: 'account.claimed_elsewhere',
    });
    expect((await deps.users.get(account.id, 'reg'))?.email).toBe('reg@example.test');
    expect(deps.vpp.calls).toEqual([]);
  });
});
