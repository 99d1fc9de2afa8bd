/**
 * Where VPP accounts live, and the claim that makes one Apple location belong to one account of one
 * organisation. Never the token: that is in the `SecretStore`.
 */
import type { Account } from '../../domain/account.ts';

export interface LocationClaim {
  readonly uId: string;
  readonly orgId: string;
  readonly accountId: string;
}

export interface AccountRepository {
  /** Writes the account and claims its location in one transaction; false if the location is already claimed. */
  create(account: Account): Promise<{ created: true } | { created: false; claim: LocationClaim }>;
  get(accountId: string): Promise<Account | undefined>;
  listByOrg(orgId: string): Promise<Account[]>;
  /** Every account of every organisation (schedules). */
  listAll(): Promise<Account[]>;
  claimOf(uId: string): Promise<LocationClaim | undefined>;
  /** Replaces the account read as `read`; a change by someone else since then is a ConflictError. */
  update(account: Account, read: Account): Promise<void>;
  /** Deletes the account and releases its location. */
  remove(account: Account): Promise<void>;
}
