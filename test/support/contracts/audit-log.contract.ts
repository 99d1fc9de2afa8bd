/**
 * What the audit list relies on from an `AuditLog`: an organisation's entries only, newest first, pages
 * that together give every entry once, a filter that fills pages from further on, and cursors that
 * belong to one organisation's log.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../../../shared/application/ports/audit-log.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { type ContractEnv, type Make, newEnv, uid } from './support.ts';

export function describeAuditLogContract(name: string, make: Make<AuditLog>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let env: ContractEnv;
    let log: AuditLog;
    let orgId: string;
    beforeEach(async () => {
      env = newEnv();
      log = await make(env);
      orgId = uid('org');
    });

    async function write(count: number, org = orgId): Promise<void> {
      for (let i = 0; i < count; i++) {
        env.clock.advance({ seconds: 1 });
        await log.record({
          orgId: org,
          actor: { type: 'system', id: 'test' },
          action: 'account.updated',
          target: `account:${i % 2 === 0 ? 'even' : 'odd'}`,
          result: 'succeeded',
          details: { n: i },
        });
      }
    }
    const numbers = (items: AuditEntry[]) => items.map((e) => e.details?.n);

    it('lists the entries of one organisation, newest first, with who, what and when', async () => {
      await write(3);
      const newest = env.clock.iso();
      await write(2, uid('org'));
      const { items, nextCursor } = await log.list(orgId, { limit: 10 });
      expect(numbers(items)).toEqual([2, 1, 0]);
      expect(nextCursor).toBeUndefined();
      expect(items[0]).toMatchObject({
        orgId,
        actor: { type: 'system', id: 'test' },
        action: 'account.updated',
        target: 'account:even',
        result: 'succeeded',
        at: newest,
      });
      expect(typeof items[0]?.id).toBe('string');
    });

    it('pages through every entry once', async () => {
      await write(7);
      const seen: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const answer: { items: AuditEntry[]; nextCursor?: string } = await log.list(orgId, {
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        expect(answer.items.length).toBeLessThanOrEqual(3);
        seen.push(...numbers(answer.items));
        cursor = answer.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0]);
    });

    it('fills a filtered page from further on', async () => {
      await write(8);
      const keepOdd = (e: AuditEntry) => e.target === 'account:odd';
      const first = await log.list(orgId, { limit: 2 }, keepOdd);
      expect(numbers(first.items)).toEqual([7, 5]);
      expect(first.nextCursor).toBeDefined();
      const second = await log.list(orgId, { limit: 2, cursor: first.nextCursor as string }, keepOdd);
      expect(numbers(second.items)).toEqual([3, 1]);
    });

    it('lists only the entries between from and to (both included), paged', async () => {
      await write(6);
      const all = (await log.list(orgId, { limit: 10 })).items;
      const at = (n: number) => all.find((e) => e.details?.n === n)?.at as string;
      const first = await log.list(orgId, { limit: 2, from: at(1), to: at(4) });
      expect(numbers(first.items)).toEqual([4, 3]);
      const second = await log.list(orgId, {
        limit: 2,
        from: at(1),
        to: at(4),
        cursor: first.nextCursor as string,
      });
      expect(numbers(second.items)).toEqual([2, 1]);
      expect(numbers((await log.list(orgId, { limit: 10, from: at(5) })).items)).toEqual([5]);
      expect(numbers((await log.list(orgId, { limit: 10, to: at(0) })).items)).toEqual([0]);
      expect((await log.list(orgId, { limit: 10, from: at(4), to: at(1) })).items).toEqual([]);
    });

    it("refuses another organisation's cursor and one it did not make, as cursor.invalid", async () => {
      await write(3);
      const { nextCursor } = await log.list(orgId, { limit: 1 });
      expect(nextCursor).toBeDefined();
      const foreign = log.list(uid('org'), { limit: 1, cursor: nextCursor as string });
      await expect(foreign).rejects.toBeInstanceOf(ValidationError);
      await expect(foreign).rejects.toMatchObject({ code: 'cursor.invalid' });
      await expect(log.list(orgId, { limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'cursor.invalid',
      });
    });
  });
}
