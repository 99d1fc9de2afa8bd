/**
 * What the account use cases rely on from an `AccountRepository`: one location belongs to one account
 * (the claim is taken with the account), changes are made on the version read (a stale read is a
 * ConflictError), and removing an account gives its location back.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountRepository } from '../../../shared/application/ports/account-repository.ts';
import type { Account } from '../../../shared/domain/account.ts';
import { ConflictError } from '../../../shared/domain/errors.ts';
import { anAccount, type Make, newEnv, uid } from './support.ts';

export function describeAccountRepositoryContract(name: string, make: Make<AccountRepository>): void {
  describe(`AccountRepository contract: ${name}`, () => {
    let repo: AccountRepository;
    beforeEach(async () => {
      repo = await make(newEnv());
    });

    it('stores an account with its location claim, and answers undefined for one it does not have', async () => {
      const account = anAccount();
      expect(await repo.create(account)).toEqual({ created: true });
      expect(await repo.get(account.id)).toEqual(account);
      expect(await repo.claimOf(account.location.uId)).toEqual({
        uId: account.location.uId,
        orgId: account.orgId,
        accountId: account.id,
      });
      expect(await repo.get(uid('missing'))).toBeUndefined();
      expect(await repo.claimOf(uid('missing'))).toBeUndefined();
    });

    it('refuses a second account of a claimed location, naming the claim, and stores nothing of it', async () => {
      const first = anAccount();
      await repo.create(first);
      const second = anAccount({ location: first.location });
      expect(await repo.create(second)).toEqual({
        created: false,
        claim: { uId: first.location.uId, orgId: first.orgId, accountId: first.id },
      });
      expect(await repo.get(second.id)).toBeUndefined();
    });

    it('lists the accounts of one organisation only (not of one whose id starts the same), and all of them', async () => {
      const org = uid('org');
      const mine = [anAccount({ orgId: org }), anAccount({ orgId: org })];
      const other = anAccount({ orgId: `${org}x` });
      for (const a of [...mine, other]) await repo.create(a);
      const listed = await repo.listByOrg(org);
      expect(listed.map((a) => a.id).sort()).toEqual(mine.map((a) => a.id).sort());
      const all = (await repo.listAll()).map((a) => a.id);
      for (const a of [...mine, other]) expect(all).toContain(a.id);
    });

    it('replaces an account read at its version and bumps the version, even with equal timestamps', async () => {
      const account = anAccount();
      await repo.create(account);
      const read = (await repo.get(account.id)) as Account;
      await repo.update({ ...read, name: 'Renamed' }, read);
      const after = (await repo.get(account.id)) as Account;
      expect(after).toMatchObject({ name: 'Renamed', version: read.version + 1, updatedAt: read.updatedAt });
      await repo.update({ ...after, email: 'new@example.test' }, after);
      expect(await repo.get(account.id)).toMatchObject({
        email: 'new@example.test',
        version: read.version + 2,
      });
    });

    it('refuses a change made on a stale read with account.changed, keeping the first change', async () => {
      const account = anAccount();
      await repo.create(account);
      const first = (await repo.get(account.id)) as Account;
      const second = (await repo.get(account.id)) as Account;
      await repo.update({ ...first, name: 'First' }, first);
      const refused = repo.update({ ...second, name: 'Second' }, second);
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toMatchObject({ code: 'account.changed' });
      expect(await repo.get(account.id)).toMatchObject({ name: 'First' });
    });

    it('refuses to update an account that does not exist, and does not create it', async () => {
      const ghost = anAccount();
      await expect(repo.update(ghost, ghost)).rejects.toBeInstanceOf(ConflictError);
      expect(await repo.get(ghost.id)).toBeUndefined();
    });

    it('removes an account and releases its location for another account', async () => {
      const account = anAccount();
      await repo.create(account);
      await repo.remove(account);
      expect(await repo.get(account.id)).toBeUndefined();
      expect(await repo.claimOf(account.location.uId)).toBeUndefined();
      const again = anAccount({ location: account.location });
      expect(await repo.create(again)).toEqual({ created: true });
      expect(await repo.claimOf(account.location.uId)).toMatchObject({ accountId: again.id });
    });

    it('never releases a location another account holds', async () => {
      const holder = anAccount();
      await repo.create(holder);
      const impostor = anAccount({ location: holder.location });
      await expect(repo.remove(impostor)).rejects.toThrow();
      expect(await repo.claimOf(holder.location.uId)).toMatchObject({ accountId: holder.id });
      expect(await repo.get(holder.id)).toEqual(holder);
    });
  });
}
