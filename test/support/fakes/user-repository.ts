/**
 * Users and their e-mail claims in Maps, as `DynamoUserRepository` keeps them: a claim per e-mail (lower
 * case) naming its user, written with the user; replacements conditional on the version read; the
 * count of users that are not retired (the table keeps it in a summary; the fake counts).
 */
import type { UserRepository } from '../../../shared/application/ports/user-repository.ts';
import { userCounts } from '../../../shared/domain/account-counts.ts';
import { type VppUser, VppUserSchema } from '../../../shared/domain/vpp-user.ts';
import { byKey, copy, transactionCancelled } from './conditions.ts';

const userKey = (accountId: string, userId: string) => `${accountId}|USER#${userId}`;
const emailKey = (accountId: string, email: string) => `${accountId}|EMAIL#${email.toLowerCase()}`;

export class MemoryUserRepository implements UserRepository {
  readonly #users = new Map<string, VppUser>();
  /** E-mail claim → the user id that holds it. */
  readonly #claims = new Map<string, string>();

  #store(user: VppUser): VppUser {
    const stored = VppUserSchema.parse(copy(user));
    this.#users.set(userKey(stored.accountId, stored.id), stored);
    return stored;
  }

  async listByAccount(accountId: string): Promise<VppUser[]> {
    return [...this.#users.values()]
      .filter((u) => u.accountId === accountId)
      .sort(byKey((u) => u.id))
      .map(copy);
  }

  async get(accountId: string, userId: string): Promise<VppUser | undefined> {
    const found = this.#users.get(userKey(accountId, userId));
    return found ? copy(found) : undefined;
  }

  async getMany(accountId: string, userIds: readonly string[]): Promise<VppUser[]> {
    return [...new Set(userIds)].flatMap((id) => {
      const found = this.#users.get(userKey(accountId, id));
      return found ? [copy(found)] : [];
    });
  }

  async findByEmail(accountId: string, email: string): Promise<VppUser | undefined> {
    const userId = this.#claims.get(emailKey(accountId, email));
    return userId === undefined ? undefined : this.get(accountId, userId);
  }

  async countNotRetired(accountId: string): Promise<number> {
    return [...this.#users.values()].filter((u) => u.accountId === accountId && userCounts(u)).length;
  }

  async addMany(users: readonly VppUser[]): Promise<{ added: VppUser[]; duplicateEmails: string[] }> {
    const added: VppUser[] = [];
    const duplicateEmails: string[] = [];
    for (const user of users) {
      if (!user.email) throw new Error('addMany needs users with an e-mail');
      const claim = emailKey(user.accountId, user.email);
      if (this.#claims.has(claim) || this.#users.has(userKey(user.accountId, user.id))) {
        duplicateEmails.push(user.email);
        continue;
      }
      this.#claims.set(claim, user.id);
      this.#store(user);
      added.push(user);
    }
    return { added, duplicateEmails };
  }

  async replace(before: VppUser, after: VppUser): Promise<VppUser | undefined> {
    const current = this.#users.get(userKey(after.accountId, after.id));
    // The table's condition: the version read, or no version at all (no user yet) when 0 was read.
    if (current ? current.version !== before.version : before.version !== 0) return undefined;
    return copy(this.#store({ ...after, version: before.version + 1 }));
  }

  async saveFromApple(users: readonly VppUser[]): Promise<void> {
    // Claims already held by another user stay theirs; of two new users with one e-mail, the first claims it.
    const claimedBy = new Map<string, string>();
    for (const user of users) {
      if (!user.email) continue;
      const k = emailKey(user.accountId, user.email);
      const owner = this.#claims.get(k);
      if (owner !== undefined) claimedBy.set(k, owner);
    }
    const writes: (() => void)[] = [];
    for (const user of users) {
      const stored = VppUserSchema.parse(copy({ ...user, version: user.version + 1 }));
      writes.push(() => this.#store(stored));
      if (!user.email) continue;
      const k = emailKey(user.accountId, user.email);
      const owner = claimedBy.get(k);
      if (owner !== undefined && owner !== user.id) continue;
      claimedBy.set(k, user.id);
      writes.push(() => this.#claims.set(k, user.id));
    }
    for (const write of writes) write();
  }

  async putMany(changes: readonly { before: VppUser; after: VppUser }[]): Promise<void> {
    for (const { before, after } of changes) {
      const stored = VppUserSchema.parse(copy({ ...after, version: before.version + 1 }));
      const emailChanged = (before.email ?? '') !== (after.email ?? '');
      if (emailChanged) {
        const newClaim = after.email ? emailKey(after.accountId, after.email) : undefined;
        const oldClaim = before.email ? emailKey(before.accountId, before.email) : undefined;
        const newOwner = newClaim === undefined ? undefined : this.#claims.get(newClaim);
        const oldOwner = oldClaim === undefined ? undefined : this.#claims.get(oldClaim);
        if (newOwner !== undefined && newOwner !== after.id)
          throw transactionCancelled(`${after.email} is claimed by another user`);
        if (oldOwner !== undefined && oldOwner !== before.id)
          throw transactionCancelled(`${before.email} is claimed by another user`);
        if (oldClaim !== undefined) this.#claims.delete(oldClaim);
        if (newClaim !== undefined) this.#claims.set(newClaim, after.id);
      }
      this.#store(stored);
    }
  }

  /** For the fake purger: every stored user and e-mail claim of an account, by sort key. */
  keysOf(accountId: string): { sk: string; remove: () => void }[] {
    const prefix = `${accountId}|`;
    return [
      ...[...this.#users.keys()]
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ sk: k.slice(prefix.length), remove: () => this.#users.delete(k) })),
      ...[...this.#claims.keys()]
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ sk: k.slice(prefix.length), remove: () => this.#claims.delete(k) })),
    ];
  }
}
