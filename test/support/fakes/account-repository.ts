/** Accounts and their location claims in Maps, with the transactions of `DynamoAccountRepository`. */
import type {
  AccountRepository,
  LocationClaim,
} from '../../../shared/application/ports/account-repository.ts';
import { type Account, AccountSchema } from '../../../shared/domain/account.ts';
import { ConflictError } from '../../../shared/domain/errors.ts';
import { byKey, copy, transactionCancelled } from './conditions.ts';

export class MemoryAccountRepository implements AccountRepository {
  readonly #accounts = new Map<string, Account>();
  readonly #claims = new Map<string, LocationClaim>();

  async create(account: Account): Promise<{ created: true } | { created: false; claim: LocationClaim }> {
    const stored = AccountSchema.parse(copy(account));
    const claim = this.#claims.get(stored.location.uId);
    if (claim) return { created: false, claim: copy(claim) };
    if (this.#accounts.has(stored.id)) throw transactionCancelled(`account ${stored.id} exists`);
    this.#claims.set(stored.location.uId, {
      uId: stored.location.uId,
      orgId: stored.orgId,
      accountId: stored.id,
    });
    this.#accounts.set(stored.id, stored);
    return { created: true };
  }

  async get(accountId: string): Promise<Account | undefined> {
    const found = this.#accounts.get(accountId);
    return found ? copy(found) : undefined;
  }

  #sorted(keep: (a: Account) => boolean): Account[] {
    return [...this.#accounts.values()]
      .filter(keep)
      .sort(byKey((a) => `${a.orgId}#${a.id}`))
      .map(copy);
  }

  async listByOrg(orgId: string): Promise<Account[]> {
    return this.#sorted((a) => `${a.orgId}#${a.id}`.startsWith(`${orgId}#`));
  }

  async listAll(): Promise<Account[]> {
    return this.#sorted(() => true);
  }

  async claimOf(uId: string): Promise<LocationClaim | undefined> {
    const claim = this.#claims.get(uId);
    return claim ? copy(claim) : undefined;
  }

  async update(account: Account, read: Account): Promise<void> {
    const stored = this.#accounts.get(account.id);
    if (!stored || stored.version !== read.version)
      throw new ConflictError(
        'account.changed',
        'The account changed while this request ran: read it again and retry.',
      );
    this.#accounts.set(account.id, AccountSchema.parse(copy({ ...account, version: read.version + 1 })));
  }

  async remove(account: Account): Promise<void> {
    const claim = this.#claims.get(account.location.uId);
    if (claim && claim.accountId !== account.id)
      throw transactionCancelled(`the location ${account.location.uId} is claimed by another account`);
    this.#accounts.delete(account.id);
    this.#claims.delete(account.location.uId);
  }
}
