/**
 * `npm run bench`: the figures of SPEC §8, printed as one table. `-- --only batching,bundles,sync,scale,grants,rate,reconcile,reconcile-planner,notifications`
 * picks sections; `-- --scale 0.1` shrinks the large data sets (for a quick look).
 */
import { parseArgs } from 'node:util';
import type { BenchRow } from './table.ts';

// Before any handler module loads: Powertools reads these once.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: { only: { type: 'string' }, scale: { type: 'string', default: '1' } },
});
const scale = Number(values.scale);
const sections: Record<string, () => Promise<BenchRow[]>> = {
  batching: async () => (await import('./batching.bench.ts')).benchBatching(),
  bundles: async () => (await import('./bundles.bench.ts')).benchBundles(),
  sync: async () => (await import('./sync.bench.ts')).benchSync(scale),
  scale: async () => (await import('./scale.bench.ts')).benchScale(scale),
  grants: async () => (await import('./grants.bench.ts')).benchGrants(Math.round(10_000 * scale)),
  rate: async () => (await import('./rate.bench.ts')).benchRate(),
  // The planner alone at 100,000 and 1,000,000 devices (generated pages: seconds), then on the tables.
  reconcile: async () => {
    const bench = await import('./reconcile.bench.ts');
    return [...(await bench.benchPlanner()), ...(await bench.benchReconcile(Math.round(100_000 * scale)))];
  },
  'reconcile-planner': async () => (await import('./reconcile.bench.ts')).benchPlanner(),
  notifications: async () =>
    (await import('./notifications.bench.ts')).benchNotifications(Math.max(50, Math.round(500 * scale))),
};
const chosen = values.only ? values.only.split(',') : Object.keys(sections);
const rows: BenchRow[] = [];
for (const name of chosen) {
  const section = sections[name];
  if (!section) throw new Error(`No bench section ${name}; choose from ${Object.keys(sections).join(', ')}`);
  process.stderr.write(`bench: ${name}…\n`);
  rows.push(...(await section()));
}
const { printTable } = await import('./table.ts');
printTable(rows);
