/**
 * Reconciling 100,000 devices against 50 deployments (SPEC §8): with nothing to change, and after 1% of
 * the devices changed tags. Time, peak memory, table reads and writes (counted on the DynamoDB client).
 * The data is written straight into the tables (setup, not measured); nothing here calls Apple.
 */
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { reconcileAll } from '../../shared/application/deployments/reconcile.ts';
import type { Account } from '../../shared/domain/account.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import type { Device } from '../../shared/domain/device.ts';
import { countWrites } from '../support/write-counter.ts';
import { type BenchRow, withPeakMemory } from './table.ts';

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
    const devices: Device[] = Array.from({ length: devicesCount }, (_, i) => ({
      orgId: account.orgId,
      serialNumber: `SN${String(i).padStart(7, '0')}`,
      networkId: 'net',
      tags: [`group-${i % deploymentsCount}`],
      lastSeenAt: stamp,
      createdAt: stamp,
      updatedAt: stamp,
    }));
    await rt.deps.devices.putMany(devices);
    const holdings: AssignmentRecord[] = devices.map((d, i) => ({
      orgId: account.orgId,
      accountId: account.id,
      adamId: adamIds[i % deploymentsCount] as string,
      pricingParam: 'STDQ',
      subjectType: 'device',
      subjectId: d.serialNumber,
      state: 'granted',
      source: 'deployment',
      createdAt: stamp,
      updatedAt: stamp,
    }));
    await rt.deps.assignments.putMany(holdings);

    const writes = countWrites(rt.clients.dynamo);
    const area = `reconcile ${devicesCount.toLocaleString('en-US')} devices × ${deploymentsCount} deployments`;
    const run = async (name: string) => {
      writes.reset();
      const { result, peakRssMb, ms } = await withPeakMemory(() =>
        reconcileAll(rt.deps, { type: 'system', id: 'bench' }, { orgId: account.orgId }),
      );
      rows.push({
        area,
        measure: `${name}: time`,
        value: ms / 1000,
        unit: 's',
        note: 'DynamoDB Local on this machine',
      });
      rows.push({
        area,
        measure: `${name}: peak memory`,
        value: peakRssMb,
        unit: 'MB RSS',
        note: 'whole process',
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
    const moved = devices
      .slice(0, devicesCount / 100)
      .map((d, i) => ({ ...d, tags: [`group-${(i + 1) % deploymentsCount}`] }));
    await rt.deps.devices.putMany(moved);
    await run('1% churn');
  } finally {
    await rt.stop();
  }
  return rows;
}
