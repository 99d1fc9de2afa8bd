/**
 * The settlement store commits record moves with the counts they imply (the reservations given back;
 * Apple's counts are re-read, never moved here), all or nothing, and copes with
 * what it finds: a record someone else moved, a reservation a sync already reset, a missing job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetRecord } from '../../../shared/domain/asset.ts';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import type { Job } from '../../../shared/domain/job.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

const STAMP = '2026-11-27T08:00:00.000Z';
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const asset = (accountId: string, adamId: string, pendingCount: number): AssetRecord => ({
  accountId,
  adamId,
  pricingParam: 'STDQ',
  productType: 'App',
  deviceAssignable: true,
  revocable: true,
  supportedPlatforms: ['iOS'],
  unlimited: false,
  totalCount: 10,
  assignedCount: 2,
  availableCount: 8,
  retiredCount: 0,
  pendingCount,
  updatedAt: STAMP,
});

const record = (accountId: string, adamId: string, serial: string, jobId: string): AssignmentRecord => ({
  orgId: 'settle-org',
  accountId,
  adamId,
  pricingParam: 'STDQ',
  subjectType: 'device',
  subjectId: serial,
  state: 'pending-grant',
  source: 'manual',
  jobId,
  eventId: `event-${accountId}`,
  createdAt: STAMP,
  updatedAt: STAMP,
});

const job = (id: string, requested: number): Job => ({
  id,
  orgId: 'settle-org',
  type: 'grant',
  state: 'running',
  requested,
  completed: 0,
  failed: 0,
  failures: [],
  createdBy: 'test',
  createdAt: STAMP,
  updatedAt: STAMP,
});

const granted = (r: AssignmentRecord): AssignmentRecord => ({ ...r, state: 'granted', eventId: undefined });

async function seed(accountId: string, pendingCount: number, serials: string[], jobId: string) {
  const a = asset(accountId, `${accountId}-app`, 0);
  await rt.deps.assets.saveAppleFacts([a]);
  if (pendingCount > 0) await rt.deps.assets.reserve(accountId, a.adamId, 'STDQ', pendingCount);
  const records = serials.map((s) => record(accountId, a.adamId, s, jobId));
  await rt.deps.assignments.putMany(records);
  await rt.deps.jobs.create(job(jobId, serials.length));
  return { adamId: a.adamId, records };
}

describe('DynamoSettlementStore', () => {
  it('moves the records and adds their counts to the asset and the job in one commit', async () => {
    const { adamId, records } = await seed('settle-a', 3, ['A1', 'A2', 'A3'], 'settle-job-a');
    const [first, second, third] = records as [AssignmentRecord, AssignmentRecord, AssignmentRecord];
    const landed = await rt.deps.settlements.commit([
      { record: first, next: granted(first), asset: 'unreserve', job: 'completed' },
      { record: second, next: granted(second), asset: 'unreserve', job: 'completed' },
      {
        record: third,
        next: { ...third, state: 'failed', eventId: undefined },
        asset: 'unreserve',
        job: 'failed',
      },
    ]);
    expect(landed).toEqual([true, true, true]);
    expect(await rt.deps.assets.get('settle-a', adamId, 'STDQ')).toMatchObject({
      pendingCount: 0,
      availableCount: 8,
      assignedCount: 2,
    });
    expect(await rt.deps.jobs.get('settle-job-a')).toMatchObject({
      completed: 2,
      failed: 1,
      state: 'partially_failed',
    });
    expect((await rt.deps.assignments.get('settle-a', adamId, 'STDQ', 'device', 'A3'))?.state).toBe('failed');
  });

  it('leaves out a record another settler moved first, with its counts, and commits the rest', async () => {
    const { adamId, records } = await seed('settle-b', 2, ['B1', 'B2'], 'settle-job-b');
    const [first, second] = records as [AssignmentRecord, AssignmentRecord];
    await rt.deps.assignments.transition(granted(first), ['pending-grant']);
    const landed = await rt.deps.settlements.commit([
      { record: first, next: granted(first), asset: 'unreserve', job: 'completed' },
      { record: second, next: granted(second), asset: 'unreserve', job: 'completed' },
    ]);
    expect(landed).toEqual([false, true]);
    expect(await rt.deps.assets.get('settle-b', adamId, 'STDQ')).toMatchObject({
      pendingCount: 1,
      availableCount: 8,
    });
    expect(await rt.deps.jobs.get('settle-job-b')).toMatchObject({ completed: 1, state: 'running' });
  });

  it('takes the reservation as zero when a sync reset it, and still counts the job', async () => {
    const { adamId, records } = await seed('settle-c', 0, ['C1'], 'settle-job-c');
    const [only] = records as [AssignmentRecord];
    expect(
      await rt.deps.settlements.commit([
        { record: only, next: granted(only), asset: 'unreserve', job: 'completed' },
      ]),
    ).toEqual([true]);
    expect(await rt.deps.assets.get('settle-c', adamId, 'STDQ')).toMatchObject({
      pendingCount: 0,
      availableCount: 8,
      assignedCount: 2,
    });
    expect(await rt.deps.jobs.get('settle-job-c')).toMatchObject({ completed: 1, state: 'succeeded' });
  });

  it('moves a record whose asset and job are gone, and creates neither', async () => {
    const only = record('settle-d', 'settle-d-app', 'D1', 'settle-job-missing');
    await rt.deps.assignments.putMany([only]);
    expect(
      await rt.deps.settlements.commit([
        { record: only, next: granted(only), asset: 'unreserve', job: 'completed' },
      ]),
    ).toEqual([true]);
    expect((await rt.deps.assignments.get('settle-d', 'settle-d-app', 'STDQ', 'device', 'D1'))?.state).toBe(
      'granted',
    );
    expect(await rt.deps.assets.get('settle-d', 'settle-d-app', 'STDQ')).toBeUndefined();
    expect(await rt.deps.jobs.get('settle-job-missing')).toBeUndefined();
  });

  it('refuses more moves than one transaction takes', async () => {
    const many = Array.from({ length: 91 }, (_, i) => record('settle-e', 'settle-e-app', `E${i}`, 'j'));
    await expect(
      rt.deps.settlements.commit(
        many.map((r) => ({
          record: r,
          next: granted(r),
          asset: 'unreserve' as const,
          job: 'completed' as const,
        })),
      ),
    ).rejects.toThrow(/at most 90/);
  });
});
