/**
 * Each Lambda bundle, built exactly as CDK builds it (infra/constructs/bundling.ts): its size, and the
 * time a fresh Node process takes to import it (the cold-start share of our code).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptionsFor, REPO_ROOT } from '../../infra/constructs/bundling.ts';
import { FUNCTIONS } from '../../shared/config/functions.ts';
import type { BenchRow } from './table.ts';

export async function benchBundles(): Promise<BenchRow[]> {
  // Inside the repository, so the bundles resolve the AWS SDK from node_modules like the runtime provides it.
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'vpp-bench');
  mkdirSync(dir, { recursive: true });
  const rows: BenchRow[] = [];
  for (const fn of FUNCTIONS) {
    const outfile = join(dir, `${fn.id}.mjs`);
    await build(esbuildOptionsFor(fn.entry, outfile));
    const kb = statSync(outfile).size / 1024;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); console.log(performance.now() - t);`,
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            AWS_REGION: 'eu-west-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      times.push(Number(out.trim()));
    }
    times.sort((a, b) => a - b);
    rows.push({
      area: 'lambda bundle',
      measure: `${fn.id} size`,
      value: kb,
      unit: 'KB',
      note: 'minified ESM, AWS SDK external (the runtime provides it)',
    });
    rows.push({
      area: 'lambda bundle',
      measure: `${fn.id} import`,
      value: times[1] ?? 0,
      unit: 'ms',
      note: 'median of 3 fresh Node processes',
    });
  }
  return rows;
}
