/**
 * Reconciling 100,000 devices against 50 deployments (SPEC §8; `--scale 10`: 1,000,000): with nothing
 * to change, and after 1% of the devices changed tags. Time, the heap's peak (V8 heap in use plus
 * ArrayBuffers, sampled; DynamoDB Local runs in its own process, so the heap is the reconciliation's
 * and the runtime's), the whole process's RSS, table reads and writes (counted on the DynamoDB client).
 * The data is generated and written straight into the tables a chunk at a time (setup, not measured,
 * and not held); nothing here calls Apple.
 */
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { mapLimit } from '../../shared/application/concurrency.ts';
import { reconcileAll } from '../../shared/application/deployments/reconcile.ts';
import type { Account } from '../../shared/domain/account.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import type { Device } from '../../shared/domain/device.ts';
import { countWrites } from '../support/write-counter.ts';
import { type BenchRow, collectGarbage, withPeakHeap, withPeakMemory } from './table.ts';

/** Devices generated and written at a time, and the writers in flight (setup only). */
const SEED_CHUNK = 5_000;
const SEED_WRITERS = 4;

export async function benchReconcile(devicesCount = 100_000, deploymentsCount = 50): Promise<BenchRow[]> {
  const rt = await startLocalRuntime({
    pollQueues: false,
    scheduleTimers: false,
    simulator: { seed: 'demo' },
  });
  const rows: BenchRow[] = [];
  try {
    const stamp = new Date('2026-01-01T00:00:00Z').toISOString();
    const account: Account = {
      id: 'bench-account',
      orgId: 'bench',
      name: 'Bench',
      email: 'it@bench.test',
      allowedAdmins: [],
      assignableNetworks: [],
      location: { uId: 'bench-uid', organizationName: 'Bench', name: 'Bench' },
      mdmId: 'vpp-manager:local:bench-account',
      tokenExpiresAt: '2030-01-01T00:00:00.000Z',
      status: 'active',
      expiryAlertsSent: [],
      createdAt: stamp,
      updatedAt: stamp,
      createdBy: 'bench',
      version: 0,
    };
    await rt.deps.accounts.create(account);
    const adamIds = Array.from({ length: deploymentsCount }, (_, i) => String(9_100_000_000 + i));
    await rt.deps.assets.saveAppleFacts(
      adamIds.map((adamId) => ({
        accountId: account.id,
        adamId,
        pricingParam: 'STDQ',
        productType: 'App',
        deviceAssignable: true,
        revocable: true,
        supportedPlatforms: ['iOS'],
        unlimited: false,
        totalCount: devicesCount,
        assignedCount: devicesCount / deploymentsCount,
        availableCount: devicesCount - devicesCount / deploymentsCount,
        retiredCount: 0,
        pendingCount: 0,
        updatedAt: stamp,
      })),
    );
    for (const [i, adamId] of adamIds.entries()) {
      await rt.deps.deployments.put({
        orgId: account.orgId,
        accountId: account.id,
        adamId,
        pricingParam: 'STDQ',
        method: 'device',
        scope: { networks: [], tags: [`group-${i}`] },
        autoAssign: true,
        autoRevoke: true,
        revokeGraceHours: 24,
        createdAt: stamp,
        updatedAt: stamp,
        updatedBy: 'bench',
      });
    }
    const device = (i: number, group = i % deploymentsCount): Device => ({
      orgId: account.orgId,
      serialNumber: `SN${String(i).padStart(7, '0')}`,
      networkId: 'net',
      tags: [`group-${group}`],
      lastSeenAt: stamp,
      createdAt: stamp,
      updatedAt: stamp,
    });
    const holding = (i: number): AssignmentRecord => ({
      orgId: account.orgId,
      accountId: account.id,
      adamId: adamIds[i % deploymentsCount] as string,
      pricingParam: 'STDQ',
      subjectType: 'device',
      subjectId: device(i).serialNumber,
      state: 'granted',
      source: 'deployment',
      createdAt: stamp,
      updatedAt: stamp,
    });
    const inChunks = async (count: number, write: (from: number, to: number) => Promise<void>) => {
      const starts = Array.from({ length: Math.ceil(count / SEED_CHUNK) }, (_, c) => c * SEED_CHUNK);
      await mapLimit(starts, SEED_WRITERS, (from) => write(from, Math.min(count, from + SEED_CHUNK)));
    };
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const seeding = performance.now();
    await inChunks(devicesCount, async (from, to) => {
      await rt.deps.devices.putMany(range(from, to).map((i) => device(i)));
      await rt.deps.assignments.putMany(range(from, to).map(holding));
    });
    const seedSeconds = (performance.now() - seeding) / 1000;

    const writes = countWrites(rt.clients.dynamo);
    const area = `reconcile ${devicesCount.toLocaleString('en-US')} devices × ${deploymentsCount} deployments`;
    rows.push({
      area,
      measure: 'setup: devices and holdings written',
      value: seedSeconds,
      unit: 's',
      note: `${(2 * devicesCount).toLocaleString('en-US')} items in batches, not measured below`,
    });
    const run = async (name: string) => {
      writes.reset();
      const heapBefore = collectGarbage();
      let peakRssMb = 0;
      const { result, peakHeapMb, ms } = await withPeakHeap(async () => {
        const measured = await withPeakMemory(() =>
          reconcileAll(rt.deps, { type: 'system', id: 'bench' }, { orgId: account.orgId }),
        );
        peakRssMb = measured.peakRssMb;
        return measured.result;
      });
      rows.push({
        area,
        measure: `${name}: time`,
        value: ms / 1000,
        unit: 's',
        note: 'DynamoDB Local on this machine',
      });
      rows.push({
        area,
        measure: `${name}: heap peak`,
        value: peakHeapMb,
        unit: 'MB',
        note: `V8 heap in use + ArrayBuffers, sampled every 20 ms; ${heapBefore.toFixed(1)} MB before the run (after a full GC)`,
      });
      rows.push({
        area,
        measure: `${name}: peak memory`,
        value: peakRssMb,
        unit: 'MB RSS',
        note: 'whole process (DynamoDB Local apart)',
      });
      rows.push({ area, measure: `${name}: table reads`, value: writes.reads(), unit: 'requests' });
      rows.push({
        area,
        measure: `${name}: table writes`,
        value: writes.total(),
        unit: 'items',
        note: JSON.stringify(writes.byCommand()),
      });
      rows.push({
        area,
        measure: `${name}: granted / revoked / shortage`,
        value: `${result.granted} / ${result.revoked} / ${result.shortage}`,
      });
    };
    await run('nothing to change');
    // 1% churn: devices move to the next group (leave one scope, enter another).
    await inChunks(devicesCount / 100, (from, to) =>
      rt.deps.devices.putMany(range(from, to).map((i) => device(i, (i + 1) % deploymentsCount))),
    );
    await run('1% churn');
  } finally {
    await rt.stop();
  }
  return rows;
}
