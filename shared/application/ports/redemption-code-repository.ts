/**
 * An account's redemption codes (issue 19), sealed (the repository never sees a code's value). Each
 * code's `lookup` is claimed in the account, so a code is stored once however often it is imported.
 */
import type { RedemptionCode } from '../../domain/redemption-code.ts';

export interface RedemptionCodeRepository {
  /**
   * Adds each code whose `lookup` the account does not have yet, each atomically with the claim of
   * its lookup; `known` lists the lookups that were already there (nothing written for them).
   */
  addMany(codes: readonly RedemptionCode[]): Promise<{ added: RedemptionCode[]; known: string[] }>;
  get(accountId: string, codeId: string): Promise<RedemptionCode | undefined>;
  /** Every code of the account (paging is the caller's: an account holds at most tens of thousands). */
  listByAccount(accountId: string): Promise<RedemptionCode[]>;
  /** Replaces `previous` by `next` only if its version is still `previous.version`; false otherwise. */
  update(next: RedemptionCode, previous: RedemptionCode): Promise<boolean>;
}
