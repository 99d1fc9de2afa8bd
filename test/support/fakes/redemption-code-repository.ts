/** Redemption codes in Maps, with the claim on each lookup and the version check of the real one. */
import type { RedemptionCodeRepository } from '../../../shared/application/ports/redemption-code-repository.ts';
import type { RedemptionCode } from '../../../shared/domain/redemption-code.ts';

export class MemoryRedemptionCodeRepository implements RedemptionCodeRepository {
  readonly codes = new Map<string, RedemptionCode>();
  readonly #lookups = new Set<string>();

  async addMany(codes: readonly RedemptionCode[]) {
    const added: RedemptionCode[] = [];
    const known: string[] = [];
    for (const code of codes) {
      const claim = `${code.accountId}#${code.lookup}`;
      if (this.#lookups.has(claim)) {
        known.push(code.lookup);
        continue;
      }
      this.#lookups.add(claim);
      this.codes.set(`${code.accountId}#${code.id}`, structuredClone(code));
      added.push(code);
    }
    return { added, known };
  }

  async get(accountId: string, codeId: string) {
    const code = this.codes.get(`${accountId}#${codeId}`);
    return code ? structuredClone(code) : undefined;
  }

  async listByAccount(accountId: string) {
    return [...this.codes.values()].filter((c) => c.accountId === accountId).map((c) => structuredClone(c));
  }

  async update(next: RedemptionCode, previous: RedemptionCode) {
    const key = `${previous.accountId}#${previous.id}`;
    if (this.codes.get(key)?.version !== previous.version) return false;
    this.codes.set(key, structuredClone(next));
    return true;
  }
}
