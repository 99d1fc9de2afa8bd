/**
 * Sync of a location with the simulator in this process (SPEC §8): 500 assets, 10,000 assignments and
 * 2,000 users. A full sync, an incremental one with nothing new, one after 1% of the holdings changed
 * elsewhere, and a full one: Apple calls (counted by the simulator), table writes (counted on the
 * DynamoDB client), time and the process's RSS. The large sizes (100,000 and 1,000,000 assignments,
 * the heap of the sync alone) are the `scale` section's (`scale.bench.ts`).
 */
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { syncAccount } from '../../shared/application/sync/sync-account.ts';
import type { Account } from '../../shared/domain/account.ts';
import { countWrites } from '../support/write-counter.ts';
import { scaleAssets, scaleSeed } from './scale-data.ts';
import { type BenchRow, withPeakMemory } from './table.ts';

export async function benchSync(scale = 1): Promise<BenchRow[]> {
  const assets = Math.round(500 * scale);
  const users = Math.round(2_000 * scale);
  const assignments = Math.round(10_000 * scale);
  const rt = await startLocalRuntime({
    pollQueues: false,
    scheduleTimers: false,
    simulator: { seed: 'demo', eventDelayMs: 10 },
  });
  const rows: BenchRow[] = [];
  try {
    const spec = { assets, users, assignments };
    const seeded = rt.simulator.seed(scaleSeed(spec));
    const assetList = scaleAssets(spec);
    const token = seeded.locations[0]?.tokens[0] ?? '';
    const created = await fetch(`${rt.apiUrl}/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await rt.token({ org: 'bench', role: 'org-admin', email: 'admin@bench.test' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'Big', email: 'it@bench.test', token }),
    });
    const id = ((await created.json()) as { id: string }).id;
    const account = (await rt.deps.accounts.get(id)) as Account;
    const writes = countWrites(rt.clients.dynamo);
    const label = `${assets} assets, ${assignments.toLocaleString('en-US')} assignments, ${users.toLocaleString('en-US')} users`;

    const run = async (name: string, full: boolean) => {
      rt.simulator.resetCalls();
      writes.reset();
      const current = (await rt.deps.accounts.get(id)) ?? account;
      const { result, peakRssMb, ms } = await withPeakMemory(() =>
        syncAccount(rt.deps, current, {
          full,
          actor: { type: 'system', id: 'bench' },
          jobId: `bench-${name}`,
        }),
      );
      const calls = Object.entries(rt.simulator.calls())
        .filter(([k]) => !k.includes('service/config'))
        .reduce((n, [, v]) => n + v, 0);
      rows.push({
        area: `sync (${label})`,
        measure: `${name}: Apple calls`,
        value: calls,
        note: JSON.stringify(rt.simulator.calls()),
      });
      rows.push({
        area: `sync (${label})`,
        measure: `${name}: table writes`,
        value: writes.total(),
        unit: 'items',
      });
      rows.push({
        area: `sync (${label})`,
        measure: `${name}: time`,
        value: ms / 1000,
        unit: 's',
        note: 'DynamoDB Local on this machine',
      });
      rows.push({
        area: `sync (${label})`,
        measure: `${name}: peak memory`,
        value: peakRssMb,
        unit: 'MB RSS',
        note: 'whole process (runtime and simulator included)',
      });
      return result;
    };
    await run('full (first)', true);
    await run('incremental, nothing new', false);
    for (let i = 0; i < assignments / 100; i++) {
      const asset = assetList[i % assets] as (typeof assetList)[number];
      rt.simulator.externalAssign('bench-big', asset, { serialNumber: `NEW${i}` });
    }
    const changed = await run('incremental, 1% new holdings', false);
    rows.push({
      area: `sync (${label})`,
      measure: 'incremental, 1% new: holdings found',
      value: changed.assignments.foundAtApple,
    });
    await run('full, nothing new', true);
  } finally {
    await rt.stop();
  }
  return rows;
}
