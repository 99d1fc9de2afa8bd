/**
 * What settling Apple's answers relies on from a `SettlementStore` (with the repositories it writes
 * through): a record moves only from the state and event the settler read, and the counts of exactly
 * the moves that landed reach their asset (reservations given back; Apple's counts untouched: they are
 * re-read from Apple) and job together; a job read before its state moved on shows
 * the state its counts give.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AssetRepository } from '../../../shared/application/ports/asset-repository.ts';
import type { AssignmentRepository } from '../../../shared/application/ports/assignment-repository.ts';
import type { JobRepository } from '../../../shared/application/ports/job-repository.ts';
import type { SettlementStore } from '../../../shared/application/ports/settlement-store.ts';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import { aJob, anAsset, aRecord, type Make, newEnv, uid } from './support.ts';

export interface SettlementStores {
  readonly settlements: SettlementStore;
  readonly assignments: AssignmentRepository;
  readonly assets: AssetRepository;
  readonly jobs: JobRepository;
}

export function describeSettlementStoreContract(name: string, make: Make<SettlementStores>): void {
  describe(`SettlementStore contract: ${name}`, () => {
    let s: SettlementStores;
    let accountId: string;
    let jobId: string;
    const adamId = '361309726';
    beforeEach(async () => {
      s = await make(newEnv());
      accountId = uid('account');
      jobId = uid('job');
    });

    /** An asset with `pending` reserved, a job of the serials, their records waiting for one event. */
    async function seed(pending: number, serials: string[]): Promise<AssignmentRecord[]> {
      await s.assets.saveAppleFacts([anAsset({ accountId, adamId, availableCount: 8, assignedCount: 2 })]);
      if (pending > 0) await s.assets.reserve(accountId, adamId, 'STDQ', pending);
      await s.jobs.create(aJob({ id: jobId, accountId, requested: serials.length, state: 'running' }));
      const records = serials.map((subjectId) =>
        aRecord({ accountId, adamId, subjectId, state: 'pending-grant', jobId, eventId: 'event-1' }),
      );
      await s.assignments.putMany(records);
      return records;
    }
    const done = (r: AssignmentRecord): AssignmentRecord => ({ ...r, state: 'granted', eventId: undefined });

    /** A job of three subjects in one batch, claimed by `claim:m1`, with `pending` licences reserved. */
    async function seedBatch(pending: number): Promise<void> {
      await s.assets.saveAppleFacts([anAsset({ accountId, adamId, availableCount: 8, assignedCount: 2 })]);
      if (pending > 0) await s.assets.reserve(accountId, adamId, 'STDQ', pending);
      await s.jobs.createWithBatches(aJob({ id: jobId, accountId, requested: 3, state: 'running' }), [
        {
          jobId,
          index: 0,
          kind: 'grant',
          orgId: 'org-1',
          accountId,
          asset: { adamId, pricingParam: 'STDQ' },
          source: 'manual',
          subjects: ['A', 'B', 'C'].map((id) => ({ type: 'device' as const, id })),
          createdAt: '2026-03-02T09:00:00.000Z',
        },
      ]);
      await s.jobs.takeBatch(jobId, 0, { id: 'claim:m1', at: '2026-03-02T09:01:00.000Z' });
    }
    const closing = { index: 0, claimId: 'claim:m1', eventIds: ['event-1'], refused: 2, completed: 0 };

    it('closes a batch once, counting its refused subjects in the job and giving back their reservations', async () => {
      await seedBatch(3);
      const unreserve = { accountId, adamId, pricingParam: 'STDQ' };
      expect(await s.settlements.closeBatch({ jobId, ...closing, unreserve })).toBe(true);
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ failed: 2, completed: 0 });
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({ pendingCount: 1 });
      expect((await s.jobs.batches(jobId))[0]).toMatchObject({ eventIds: ['event-1'], refused: 2 });
      expect((await s.jobs.batches(jobId))[0]?.sentAt).toBeDefined();
      // A second delivery closing it counts nothing; nor can the batch be claimed again.
      expect(await s.settlements.closeBatch({ jobId, ...closing, unreserve })).toBe(false);
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ failed: 2 });
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({ pendingCount: 1 });
      expect(
        (await s.jobs.takeBatch(jobId, 0, { id: 'claim:m1', at: '2026-03-02T09:05:00.000Z' })).taken,
      ).toBe(false);
    });

    it('counts as completed the subjects Apple holds whose records another writer moved first', async () => {
      await seedBatch(3);
      const unreserve = { accountId, adamId, pricingParam: 'STDQ' };
      expect(await s.settlements.closeBatch({ jobId, ...closing, refused: 1, completed: 1, unreserve })).toBe(
        true,
      );
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ failed: 1, completed: 1 });
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({ pendingCount: 1 });
    });

    it('closes only a batch the delivery still holds, and never takes a reservation below zero', async () => {
      await seedBatch(1);
      const unreserve = { accountId, adamId, pricingParam: 'STDQ' };
      expect(await s.settlements.closeBatch({ jobId, ...closing, claimId: 'claim:other', unreserve })).toBe(
        false,
      );
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ failed: 0 });
      expect(await s.settlements.closeBatch({ jobId, ...closing, unreserve })).toBe(true);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ failed: 2 });
    });

    it('moves records and adds their counts to asset and job at once; the job reads as its counts say', async () => {
      const [a, b, c] = (await seed(3, ['A', 'B', 'C'])) as [
        AssignmentRecord,
        AssignmentRecord,
        AssignmentRecord,
      ];
      const landed = await s.settlements.commit([
        { record: a, next: done(a), asset: 'unreserve', job: 'completed' },
        { record: b, next: done(b), asset: 'unreserve', job: 'completed' },
        { record: c, next: { ...c, state: 'failed', eventId: undefined }, asset: 'unreserve', job: 'failed' },
      ]);
      expect(landed).toEqual([true, true, true]);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 8,
        assignedCount: 2,
      });
      // Before anyone moved its state on, the job already reads as its counts give.
      expect(await s.jobs.get(jobId)).toMatchObject({ completed: 2, failed: 1, state: 'partially_failed' });
      expect(await s.jobs.moveOn(jobId)).toBe(true);
      expect(await s.jobs.get(jobId, { maxFailures: 0 })).toMatchObject({ state: 'partially_failed' });
      expect(await s.jobs.moveOn(jobId)).toBe(false);
      expect((await s.assignments.get(accountId, adamId, 'STDQ', 'device', 'C'))?.state).toBe('failed');
    });

    it('leaves out a record moved first by someone else (or sent again with another event), with its counts', async () => {
      const [a, b, c] = (await seed(3, ['A', 'B', 'C'])) as [
        AssignmentRecord,
        AssignmentRecord,
        AssignmentRecord,
      ];
      await s.assignments.transition(done(a), ['pending-grant']);
      await s.assignments.transition({ ...b, eventId: 'event-2' }, ['pending-grant']);
      const landed = await s.settlements.commit([
        { record: a, next: done(a), asset: 'unreserve', job: 'completed' },
        { record: b, next: done(b), asset: 'unreserve', job: 'completed' },
        { record: c, next: done(c), asset: 'unreserve', job: 'completed' },
      ]);
      expect(landed).toEqual([false, false, true]);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        pendingCount: 2,
        availableCount: 8,
      });
      expect(await s.jobs.get(jobId)).toMatchObject({ completed: 1, state: 'running' });
      expect(await s.assignments.get(accountId, adamId, 'STDQ', 'device', 'B')).toMatchObject({
        eventId: 'event-2',
      });
    });

    it('moves a record that was never sent (no event id) only while it has none', async () => {
      const [a] = (await seed(1, ['A'])) as [AssignmentRecord];
      const unsent = { ...a, eventId: undefined };
      await s.assignments.putMany([unsent]);
      expect(
        await s.settlements.commit([{ record: a, next: done(a), asset: 'unreserve', job: 'failed' }]),
      ).toEqual([false]);
      expect(
        await s.settlements.commit([
          { record: unsent, next: { ...unsent, state: 'failed' }, asset: 'unreserve', job: 'failed' },
        ]),
      ).toEqual([true]);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 8,
      });
    });

    it('takes the reservation as zero when a sync reset it, and still counts the job', async () => {
      const [a] = (await seed(0, ['A'])) as [AssignmentRecord];
      expect(
        await s.settlements.commit([{ record: a, next: done(a), asset: 'unreserve', job: 'completed' }]),
      ).toEqual([true]);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        pendingCount: 0,
        availableCount: 8,
        assignedCount: 2,
      });
      expect(await s.jobs.get(jobId)).toMatchObject({ completed: 1, state: 'succeeded' });
    });

    it('leaves Apple’s counts of a revocation done to the re-read', async () => {
      await seed(0, []);
      const held = aRecord({
        accountId,
        adamId,
        subjectId: 'R',
        state: 'pending-revoke',
        jobId,
        eventId: 'event-r',
      });
      await s.assignments.putMany([held]);
      await s.settlements.commit([
        {
          record: held,
          next: { ...held, state: 'revoked', eventId: undefined },
          job: 'completed',
        },
      ]);
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        availableCount: 8,
        assignedCount: 2,
        pendingCount: 0,
      });
      expect(await s.jobs.get(jobId)).toMatchObject({ completed: 1 });
    });

    it('moves the asset’s holder count by the holders its moves add or take, in the same commit', async () => {
      const [a, b] = (await seed(2, ['A', 'B'])) as [AssignmentRecord, AssignmentRecord];
      expect(await s.assets.setHolderCount(accountId, adamId, 'STDQ', 2, undefined)).toBe(true);
      const held = aRecord({
        accountId,
        adamId,
        subjectId: 'R',
        state: 'pending-revoke',
        jobId,
        eventId: 'e',
      });
      const kept = aRecord({
        accountId,
        adamId,
        subjectId: 'K',
        state: 'pending-revoke',
        jobId,
        eventId: 'e',
      });
      await s.assignments.putMany([held, kept]);
      await s.settlements.commit([
        { record: a, next: done(a), asset: 'unreserve', job: 'completed' },
        { record: b, next: { ...b, state: 'failed', eventId: undefined }, asset: 'unreserve', job: 'failed' },
        { record: held, next: { ...held, state: 'revoked', eventId: undefined }, job: 'completed' },
        // Apple refused the revocation: still held, as Apple counted it all along.
        { record: kept, next: { ...kept, state: 'granted', eventId: undefined }, job: 'failed' },
      ]);
      // 2 + 1 granted − 1 revoked.
      expect(await s.assets.get(accountId, adamId, 'STDQ')).toMatchObject({
        holderCount: 2,
        pendingCount: 0,
      });
    });

    it('moves a record whose asset and job are gone, and creates neither', async () => {
      const lone = aRecord({
        accountId,
        adamId: '42',
        subjectId: 'L',
        state: 'pending-grant',
        jobId: uid('gone'),
        eventId: 'e',
      });
      await s.assignments.putMany([lone]);
      expect(
        await s.settlements.commit([
          { record: lone, next: done(lone), asset: 'unreserve', job: 'completed' },
        ]),
      ).toEqual([true]);
      expect(await s.assets.get(accountId, '42', 'STDQ')).toBeUndefined();
      expect(await s.jobs.get(lone.jobId as string)).toBeUndefined();
      expect((await s.assignments.get(accountId, '42', 'STDQ', 'device', 'L'))?.state).toBe('granted');
    });

    it('refuses more moves than one commit takes', async () => {
      const moves = Array.from({ length: 91 }, (_, i) => {
        const r = aRecord({ accountId, subjectId: `S${i}`, state: 'pending-grant', eventId: 'e' });
        return { record: r, next: done(r), job: 'completed' as const };
      });
      await expect(s.settlements.commit(moves)).rejects.toThrow();
    });
  });
}
