/**
 * The VPP users of each account. E-mails are unique per account (case-insensitive). How many users
 * count (`userCounts`: not retired) is kept in a summary moved in the same write as each user.
 */
import type { VppUser } from '../../domain/vpp-user.ts';

export interface UserRepository {
  listByAccount(accountId: string): Promise<VppUser[]>;
  get(accountId: string, userId: string): Promise<VppUser | undefined>;
  getMany(accountId: string, userIds: readonly string[]): Promise<VppUser[]>;
  findByEmail(accountId: string, email: string): Promise<VppUser | undefined>;
  /** How many of the account's users are not retired (`counts.users`), read from the summary. */
  countNotRetired(accountId: string): Promise<number>;
  /**
   * Adds new users, each with its e-mail claimed in the same write. Returns the users that were added
   * and the e-mails that another user already had (those users were not added).
   */
  addMany(users: readonly VppUser[]): Promise<{ added: VppUser[]; duplicateEmails: string[] }>;
  /** Writes users found at Apple as they are, with their e-mail claims, in batches (sync). */
  saveFromApple(users: readonly VppUser[]): Promise<void>;
  /**
   * Replaces one user if nobody changed it since `before` was read (same `version`) and answers the
   * stored user (its version bumped), or undefined when someone did. The e-mail must be unchanged
   * (use `putMany` to move a claim).
   */
  replace(before: VppUser, after: VppUser): Promise<VppUser | undefined>;
  /** Replaces users that exist (a changed e-mail moves its claim). */
  putMany(users: readonly { before: VppUser; after: VppUser }[]): Promise<void>;
}
