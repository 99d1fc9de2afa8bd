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
import { type PlanDeps, planChanges } from '../../shared/application/deployments/plan-in-pages.ts';
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

/**
 * The page-by-page planner alone (plan-in-pages.ts), at `devicesCount` and ten times as many: the
 * pages are generated as they are asked for (no table, no data held), so the heap is the planner's
 * own. 50 device deployments, each device holding its group's asset; nothing to change, then 1% of
 * the devices moved to the next group. Fast enough to run beside the large benches.
 */
export async function benchPlanner(devicesCount = 100_000, deploymentsCount = 50): Promise<BenchRow[]> {
  const stamp = '2026-01-01T00:00:00.000Z';
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
  const rows: BenchRow[] = [];
  for (const count of [devicesCount, devicesCount * 10]) {
    const area = `reconcile planner alone, ${count.toLocaleString('en-US')} devices × ${deploymentsCount} deployments`;
    for (const churn of [0, count / 100]) {
      const serial = (i: number) => `SN${String(i).padStart(8, '0')}`;
      const device = (i: number): Device => ({
        orgId: account.orgId,
        serialNumber: serial(i),
        networkId: 'net',
        tags: [`group-${(i < churn ? i + 1 : i) % deploymentsCount}`],
        lastSeenAt: stamp,
        createdAt: stamp,
        updatedAt: stamp,
      });
      const page = <T>(
        cursor: string | undefined,
        limit: number,
        total: number,
        step: number,
        make: (i: number) => T,
      ) => {
        const from = cursor === undefined ? 0 : Number(cursor);
        const items: T[] = [];
        let i = from;
        for (; i < total && items.length < limit; i += step) items.push(make(i));
        return { items, cursor: i < total ? String(i) : undefined };
      };
      const deps = {
        clock: { now: () => new Date('2026-06-01T00:00:00Z') },
        assets: {
          get: async (accountId: string, adamId: string) => ({
            accountId,
            adamId,
            pricingParam: 'STDQ' as const,
            productType: 'App' as const,
            deviceAssignable: true,
            revocable: true,
            supportedPlatforms: ['iOS'],
            unlimited: false,
            totalCount: count,
            assignedCount: count / deploymentsCount,
            availableCount: count - count / deploymentsCount,
            retiredCount: 0,
            pendingCount: 0,
            updatedAt: stamp,
          }),
        },
        devices: {
          pageByOrg: async (_orgId: string, o: { cursor?: string | undefined; limit: number }) =>
            page(o.cursor, o.limit, count, 1, device),
        },
        assignments: {
          pageByAsset: async (
            _accountId: string,
            adamId: string,
            _pricingParam: string,
            _type: string,
            o: { cursor?: string | undefined; limit: number },
          ) => {
            const group = Number(adamId) - 9_100_000_000;
            const first = o.cursor === undefined ? group : Number(o.cursor);
            return page(String(first), o.limit, count, deploymentsCount, (i) => ({
              orgId: account.orgId,
              accountId: account.id,
              adamId,
              pricingParam: 'STDQ' as const,
              subjectType: 'device' as const,
              subjectId: serial(i),
              state: 'granted' as const,
              source: 'deployment' as const,
              createdAt: stamp,
              updatedAt: stamp,
            }));
          },
        },
        users: { listByAccount: async () => [] },
      } as unknown as PlanDeps;
      const targets = Array.from({ length: deploymentsCount }, (_, k) => ({
        account,
        deployment: {
          orgId: account.orgId,
          accountId: account.id,
          adamId: String(9_100_000_000 + k),
          pricingParam: 'STDQ' as const,
          method: 'device' as const,
          scope: { networks: [], tags: [`group-${k}`] },
          autoAssign: true,
          autoRevoke: true,
          revokeGraceHours: 24,
          createdAt: stamp,
          updatedAt: stamp,
          updatedBy: 'bench',
        },
      }));
      const name = churn === 0 ? 'nothing to change' : '1% churn';
      const heapBefore = collectGarbage();
      const { result, peakHeapMb, ms } = await withPeakHeap(() => planChanges(deps, account.orgId, targets));
      const changes = result.map((p) => p?.changes);
      const sum = (f: (c: NonNullable<(typeof changes)[number]>) => number) =>
        changes.reduce((n, c) => n + (c ? f(c) : 0), 0);
      rows.push({ area, measure: `${name}: time`, value: ms / 1000, unit: 's', note: 'CPU only' });
      rows.push({
        area,
        measure: `${name}: heap peak`,
        value: peakHeapMb,
        unit: 'MB',
        note: `${heapBefore.toFixed(1)} MB before (after a full GC); ${(peakHeapMb - heapBefore).toFixed(1)} MB for the run`,
      });
      rows.push({
        area,
        measure: `${name}: to grant / left scope / in scope`,
        value: `${sum((c) => c.grant.length)} / ${sum((c) => c.leftScope.length)} / ${sum((c) => c.inScope)}`,
      });
    }
  }
  return rows;
}
