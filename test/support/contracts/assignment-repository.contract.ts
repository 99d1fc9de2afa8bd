/**
 * What the licence, sync and reconciliation use cases rely on from an `AssignmentRepository`: a record
 * moves only from the states listed (two requests for one subject: one wins), a claim is one worker's
 * (a duplicate delivery loses, a redelivery of the same message and a resumed request take it), and the
 * lists find what they name and nothing else.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AssignmentRepository } from '../../../shared/application/ports/assignment-repository.ts';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import { aRecord, type Make, newEnv, uid } from './support.ts';

export function describeAssignmentRepositoryContract(name: string, make: Make<AssignmentRepository>): void {
  describe(`AssignmentRepository contract: ${name}`, () => {
    let repo: AssignmentRepository;
    let orgId: string;
    let accountId: string;
    const record = (over: Partial<AssignmentRecord> = {}) => aRecord({ orgId, accountId, ...over });
    const read = (r: AssignmentRecord) =>
      repo.get(r.accountId, r.adamId, r.pricingParam, r.subjectType, r.subjectId);

    beforeEach(async () => {
      repo = await make(newEnv());
      orgId = uid('org');
      accountId = uid('account');
    });

    it("creates a record only where none is ('absent'), so the second of two grants loses", async () => {
      const pending = record({ state: 'pending-grant', jobId: 'job-1' });
      expect(await repo.transition(pending, ['absent', 'revoked', 'failed'])).toBe(true);
      expect(await repo.transition({ ...pending, jobId: 'job-2' }, ['absent', 'revoked', 'failed'])).toBe(
        false,
      );
      expect(await read(pending)).toEqual(pending);
    });

    it('moves a record only from a listed state, leaving it as it was otherwise', async () => {
      const failed = record({
        state: 'failed',
        error: { errorNumber: 9709, code: 'apple.not_enough_licenses', reason: 'none' },
      });
      await repo.putMany([failed]);
      expect(
        await repo.transition({ ...failed, state: 'pending-revoke', error: undefined }, ['granted']),
      ).toBe(false);
      expect(await read(failed)).toEqual(failed);
      const again = { ...failed, state: 'pending-grant' as const, error: undefined, jobId: 'job-3' };
      expect(await repo.transition(again, ['absent', 'revoked', 'failed'])).toBe(true);
      expect(await read(failed)).toEqual({ ...again, error: undefined });
      expect((await read(failed))?.error).toBeUndefined();
    });

    it('moves many records at once, each on its own condition: one refused moves no other back', async () => {
      // 150 records: past one batch of 100, with refusals in both batches.
      const [held5, held120] = [5, 120].map((i) => record({ subjectId: `S${i}`, state: 'granted' }));
      const held = [held5, held120] as AssignmentRecord[];
      await repo.putMany(held);
      const moves = Array.from({ length: 150 }, (_, i) => ({
        next: record({ subjectId: `S${i}`, state: 'pending-grant', jobId: 'job-many' }),
        from: ['absent', 'revoked', 'failed'] as const,
      }));
      const moved = await repo.transitionMany(moves);
      expect(moved.map((m, i) => (m ? -1 : i)).filter((i) => i >= 0)).toEqual([5, 120]);
      for (const move of [0, 99, 100, 149].map((i) => moves[i] as (typeof moves)[number]))
        expect((await read(move.next))?.jobId).toBe('job-many');
      for (const r of held) expect(await read(r)).toEqual(r);
      expect(await repo.transitionMany([])).toEqual([]);
    });

    it('reads many records at once: the ones that exist, each once', async () => {
      const a = record({ subjectId: 'A' });
      const b = record({ subjectId: 'B', subjectType: 'user' });
      await repo.putMany([a, b]);
      const keys = [a, b, a, record({ subjectId: 'C' })].map((r) => ({
        adamId: r.adamId,
        pricingParam: r.pricingParam,
        subjectType: r.subjectType,
        subjectId: r.subjectId,
      }));
      const found = await repo.getMany(accountId, keys);
      expect(found.map((r) => `${r.subjectType}:${r.subjectId}`).sort()).toEqual(['device:A', 'user:B']);
      expect(await repo.getMany(accountId, [])).toEqual([]);
    });

    it('lists an account and an asset (by pricing parameter) without the neighbours', async () => {
      const mine = [
        record({ subjectId: 'A' }),
        record({ subjectId: 'B', pricingParam: 'PLUS' }),
        record({ subjectId: 'C', adamId: '9' }),
      ];
      const otherAccount = record({ accountId: uid('account'), subjectId: 'A' });
      await repo.putMany([...mine, otherAccount]);
      expect((await repo.listByAccount(accountId)).length).toBe(3);
      const ofAsset = await repo.listByAsset(accountId, '361309726', 'STDQ');
      expect(ofAsset.map((r) => r.subjectId)).toEqual(['A']);
    });

    it("pages through an account's records without the neighbours, each once, and refuses another account's cursor", async () => {
      const mine = ['A', 'B', 'C', 'D', 'E'].map((subjectId) => record({ subjectId }));
      const other = uid('account');
      await repo.putMany([...mine, record({ accountId: other, subjectId: 'A' })]);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repo.pageByAccount(accountId, { cursor, limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((r) => r.subjectId));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen.sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
      const first = await repo.pageByAccount(accountId, { limit: 2 });
      await expect(repo.pageByAccount(other, { cursor: first.cursor, limit: 2 })).rejects.toThrow(/cursor/);
    });

    it("pages through an asset's records of one subject type by subject, each once, and refuses another asset's cursor", async () => {
      const devices = ['D', 'A', 'E', 'C', 'B'].map((subjectId) => record({ subjectId }));
      const neighbours = [
        record({ subjectId: 'A', subjectType: 'user' }),
        record({ subjectId: 'B', pricingParam: 'PLUS' }),
        record({ subjectId: 'B', adamId: '3613097260' }),
        record({ subjectId: 'B', adamId: '36130972' }),
        record({ subjectId: 'B', accountId: uid('account') }),
      ];
      await repo.putMany([...devices, ...neighbours]);
      const walk = async (subjectType: 'device' | 'user') => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await repo.pageByAsset(accountId, '361309726', 'STDQ', subjectType, {
            cursor,
            limit: 2,
          });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((r) => `${r.subjectType}:${r.subjectId}`));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10);
        return seen;
      };
      expect(await walk('device')).toEqual(['A', 'B', 'C', 'D', 'E'].map((id) => `device:${id}`));
      expect(await walk('user')).toEqual(['user:A']);
      const first = await repo.pageByAsset(accountId, '361309726', 'STDQ', 'device', { limit: 2 });
      expect(first.cursor).toBeDefined();
      for (const [adamId, pricingParam, type] of [
        ['9', 'STDQ', 'device'],
        ['361309726', 'PLUS', 'device'],
        ['361309726', 'STDQ', 'user'],
      ] as const)
        await expect(
          repo.pageByAsset(accountId, adamId, pricingParam, type, { cursor: first.cursor, limit: 2 }),
        ).rejects.toThrow(/cursor/);
      await expect(
        repo.pageByAsset(uid('account'), '361309726', 'STDQ', 'device', { cursor: first.cursor, limit: 2 }),
      ).rejects.toThrow(/cursor/);
    });

    it("lists a device's holdings in every account of its organisation, and a user's in its account only", async () => {
      const other = uid('account');
      const device = [
        record({ subjectId: 'DEV1' }),
        record({ subjectId: 'DEV1', accountId: other, adamId: '7' }),
      ];
      const foreign = record({ subjectId: 'DEV1', orgId: uid('org'), accountId: uid('account') });
      const user = [
        record({ subjectType: 'user', subjectId: 'u1' }),
        record({ subjectType: 'user', subjectId: 'u1', accountId: other }),
      ];
      await repo.putMany([...device, foreign, ...user]);
      const held = await repo.listBySubject(orgId, undefined, 'device', 'DEV1');
      expect(held.map((r) => r.accountId).sort()).toEqual([accountId, other].sort());
      const ofUser = await repo.listBySubject(orgId, accountId, 'user', 'u1');
      expect(ofUser.map((r) => r.accountId)).toEqual([accountId]);
    });

    it('lists the records in flight for an event, and not those settled since', async () => {
      const event = uid('event');
      const waiting = [
        record({ subjectId: 'A', state: 'pending-grant', eventId: event }),
        record({ subjectId: 'B', state: 'pending-revoke', eventId: event }),
      ];
      const otherEvent = record({ subjectId: 'C', state: 'pending-grant', eventId: uid('event') });
      await repo.putMany([...waiting, otherEvent]);
      expect((await repo.listByEvent(event)).map((r) => r.subjectId).sort()).toEqual(['A', 'B']);
      await repo.transition({ ...(waiting[0] as AssignmentRecord), state: 'granted', eventId: undefined }, [
        'pending-grant',
      ]);
      expect((await repo.listByEvent(event)).map((r) => r.subjectId)).toEqual(['B']);
      expect(await repo.listByEvent(uid('event'))).toEqual([]);
    });

    it('lists the records in flight that last moved before a time, and only those', async () => {
      const old = record({
        subjectId: 'OLD',
        state: 'pending-grant',
        jobId: 'j',
        updatedAt: '2026-03-02T07:00:00.000Z',
      });
      const recent = record({
        subjectId: 'NEW',
        state: 'pending-revoke',
        jobId: 'j',
        updatedAt: '2026-03-02T08:30:00.000Z',
      });
      const settled = record({ subjectId: 'DONE', state: 'granted', updatedAt: '2026-03-02T07:00:00.000Z' });
      await repo.putMany([old, recent, settled]);
      const stalled = await repo.listInFlightSince(accountId, '2026-03-02T08:00:00.000Z');
      expect(stalled.map((r) => r.subjectId)).toEqual(['OLD']);
      // Moved since: it is no longer stalled.
      await repo.transition({ ...old, updatedAt: '2026-03-02T08:45:00.000Z' }, ['pending-grant']);
      expect(await repo.listInFlightSince(accountId, '2026-03-02T08:00:00.000Z')).toEqual([]);
    });

    it('writes records as they are (a sync), replacing what was there', async () => {
      const granted = record({ source: 'apple' });
      await repo.putMany([granted]);
      await repo.putMany([{ ...granted, state: 'revoked', updatedAt: '2026-03-02T10:00:00.000Z' }]);
      expect(await read(granted)).toMatchObject({
        state: 'revoked',
        source: 'apple',
        updatedAt: '2026-03-02T10:00:00.000Z',
      });
      expect(await read(record({ subjectId: 'NONE' }))).toBeUndefined();
    });
  });
}
