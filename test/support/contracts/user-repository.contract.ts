/**
 * What the user use cases rely on from a `UserRepository`: one user per e-mail in an account (any
 * case), replacements on the version read (one of two wins), a changed e-mail moves its claim (and is
 * refused when another user holds it), users found at Apple never take another user's e-mail, and the
 * count of users that are not retired is always what the list says (also when many write at once).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { UserRepository } from '../../../shared/application/ports/user-repository.ts';
import { countsOf } from '../../../shared/domain/account-counts.ts';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';
import { aUser, type Make, newEnv, uid } from './support.ts';

export function describeUserRepositoryContract(name: string, make: Make<UserRepository>): void {
  describe(`UserRepository contract: ${name}`, () => {
    let repo: UserRepository;
    let accountId: string;
    const user = (over: Partial<VppUser> = {}) => aUser({ accountId, ...over });
    beforeEach(async () => {
      repo = await make(newEnv());
      accountId = uid('account');
    });

    it('adds users with their e-mails claimed, finds them by e-mail in any case, and refuses a taken e-mail', async () => {
      const ana = user({ email: 'ana@example.test' });
      const copycat = user({ email: 'ANA@example.test' });
      const ben = user({ email: 'ben@example.test' });
      const result = await repo.addMany([ana, copycat, ben]);
      expect(result.added.map((u) => u.id)).toEqual([ana.id, ben.id]);
      expect(result.duplicateEmails).toEqual(['ANA@example.test']);
      expect(await repo.get(accountId, copycat.id)).toBeUndefined();
      expect(await repo.findByEmail(accountId, 'Ana@Example.test')).toMatchObject({ id: ana.id });
      expect(await repo.findByEmail(accountId, 'nobody@example.test')).toBeUndefined();
      // Another account may have the same e-mail.
      const elsewhere = aUser({ accountId: uid('account'), email: 'ana@example.test' });
      expect((await repo.addMany([elsewhere])).added).toHaveLength(1);
    });

    it('never adds a user without an e-mail through addMany', async () => {
      const { email: _email, ...nameless } = user();
      await expect(repo.addMany([nameless])).rejects.toThrow();
    });

    it('reads one, many (each once, only those that exist) and all users of an account', async () => {
      const [a, b] = [user(), user()] as [VppUser, VppUser];
      await repo.addMany([a, b]);
      await repo.addMany([aUser({ accountId: uid('account') })]);
      expect(await repo.get(accountId, a.id)).toEqual(a);
      expect((await repo.getMany(accountId, [a.id, a.id, 'missing'])).map((u) => u.id)).toEqual([a.id]);
      expect((await repo.listByAccount(accountId)).map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
    });

    it('replaces a user read at its version (answering the stored user) and refuses a stale read', async () => {
      const ana = user();
      await repo.addMany([ana]);
      const read = (await repo.get(accountId, ana.id)) as VppUser;
      const stored = await repo.replace(read, { ...read, tags: ['first'] });
      expect(stored).toMatchObject({ tags: ['first'], version: read.version + 1 });
      expect(await repo.replace(read, { ...read, tags: ['second'] })).toBeUndefined();
      expect(await repo.get(accountId, ana.id)).toMatchObject({ tags: ['first'] });
      expect(await repo.replace(stored as VppUser, { ...(stored as VppUser), name: 'Ana' })).toMatchObject({
        name: 'Ana',
        version: read.version + 2,
      });
    });

    it('moves the e-mail claim with a changed e-mail', async () => {
      const ana = user({ email: 'ana@example.test' });
      await repo.addMany([ana]);
      const read = (await repo.get(accountId, ana.id)) as VppUser;
      await repo.putMany([{ before: read, after: { ...read, email: 'ana.new@example.test' } }]);
      expect(await repo.get(accountId, ana.id)).toMatchObject({
        email: 'ana.new@example.test',
        version: read.version + 1,
      });
      expect(await repo.findByEmail(accountId, 'ana.new@example.test')).toMatchObject({ id: ana.id });
      expect(await repo.findByEmail(accountId, 'ana@example.test')).toBeUndefined();
      // The old address is free again.
      expect((await repo.addMany([user({ email: 'ana@example.test' })])).added).toHaveLength(1);
    });

    it("refuses an e-mail change to another user's address and changes nothing", async () => {
      const ana = user({ email: 'ana@example.test' });
      const ben = user({ email: 'ben@example.test' });
      await repo.addMany([ana, ben]);
      const read = (await repo.get(accountId, ana.id)) as VppUser;
      await expect(
        repo.putMany([{ before: read, after: { ...read, email: 'ben@example.test' } }]),
      ).rejects.toThrow();
      expect(await repo.get(accountId, ana.id)).toMatchObject({
        email: 'ana@example.test',
        version: read.version,
      });
      expect(await repo.findByEmail(accountId, 'ben@example.test')).toMatchObject({ id: ben.id });
      expect(await repo.findByEmail(accountId, 'ana@example.test')).toMatchObject({ id: ana.id });
    });

    it("stores users found at Apple without taking another user's e-mail; of two new ones, the first claims it", async () => {
      const ours = user({ email: 'shared@example.test' });
      await repo.addMany([ours]);
      const fromApple = user({ email: 'shared@example.test', source: 'apple', status: 'Invited' });
      const first = user({ email: 'twin@example.test', source: 'apple', status: 'Associated' });
      const second = user({ email: 'twin@example.test', source: 'apple', status: 'Associated' });
      await repo.saveFromApple([fromApple, first, second]);
      expect(await repo.get(accountId, fromApple.id)).toMatchObject({ status: 'Invited', version: 1 });
      expect(await repo.findByEmail(accountId, 'shared@example.test')).toMatchObject({ id: ours.id });
      expect(await repo.findByEmail(accountId, 'twin@example.test')).toMatchObject({ id: first.id });
      expect(await repo.get(accountId, second.id)).toMatchObject({ email: 'twin@example.test' });
    });

    it('counts the users that are not retired through every kind of write, as the list says', async () => {
      const counted = async () => {
        const byList = countsOf([], await repo.listByAccount(accountId)).users;
        expect(await repo.countNotRetired(accountId)).toBe(byList);
        return byList;
      };
      expect(await counted()).toBe(0);
      const [ana, ben] = [user({ status: 'New' }), user({ status: 'New' })] as [VppUser, VppUser];
      await repo.addMany([ana, ben, user({ email: ana.email as string })]);
      expect(await counted()).toBe(2);
      // Found at Apple: a new user, a retired one, and one of ours again (written over, counted once).
      const gone = user({ source: 'apple', status: 'Retired' });
      await repo.saveFromApple([
        user({ source: 'apple', status: 'Associated' }),
        gone,
        { ...ana, status: 'Invited' },
      ]);
      expect(await counted()).toBe(3);
      // Retired by a replace, brought back by a putMany, retired again from a stale read.
      const read = (await repo.get(accountId, ben.id)) as VppUser;
      const retired = (await repo.replace(read, { ...read, status: 'Retired' })) as VppUser;
      expect(await counted()).toBe(2);
      await repo.putMany([{ before: retired, after: { ...retired, status: 'Invited' } }]);
      expect(await counted()).toBe(3);
      await repo.putMany([{ before: read, after: { ...read, status: 'Retired', tags: ['x'] } }]);
      await repo.saveFromApple([{ ...gone, status: 'Retired' }]);
      expect(await counted()).toBe(2);
      // Another account's users are its own.
      await repo.addMany([aUser({ accountId: uid('account') })]);
      expect(await counted()).toBe(2);
    });

    it('stores a large page found at Apple with every e-mail claimed and the count right, while others write', async () => {
      // More users than one transaction holds; one of them is changed by another writer meanwhile.
      const ours = user({ status: 'Invited' });
      await repo.addMany([ours]);
      const found = Array.from({ length: 130 }, (_, i) =>
        user({
          source: 'apple',
          status: i % 10 === 0 ? 'Retired' : 'Associated',
          email: `p${i}@example.test`,
        }),
      );
      const read = (await repo.get(accountId, ours.id)) as VppUser;
      await Promise.all([
        repo.saveFromApple([...found, { ...read, status: 'Associated' }]),
        repo.replace(read, { ...read, status: 'Retired' }),
      ]);
      expect(await repo.countNotRetired(accountId)).toBe(
        countsOf([], await repo.listByAccount(accountId)).users,
      );
      for (const u of found.slice(0, 5))
        expect(await repo.findByEmail(accountId, u.email as string)).toMatchObject({ id: u.id });
      expect((await repo.listByAccount(accountId)).length).toBe(131);
    });

    it('keeps the count right when many retire and bring back the same user at once', async () => {
      const ana = user({ status: 'Invited' });
      await repo.addMany([ana]);
      const read = (await repo.get(accountId, ana.id)) as VppUser;
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          repo.putMany([{ before: read, after: { ...read, status: i % 2 === 0 ? 'Retired' : 'Invited' } }]),
        ),
      );
      expect(await repo.countNotRetired(accountId)).toBe(
        countsOf([], await repo.listByAccount(accountId)).users,
      );
    });
  });
}
