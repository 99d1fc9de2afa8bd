/**
 * What ships to Lambda: every entry of the manifest bundled with the options CDK uses
 * (infra/constructs/bundling.ts) in one esbuild call, and each bundle's inputs read from the metafile.
 * No bundle may contain the local mode (functions/local/, the Apple simulator with it) or a test file:
 * the lint rule keeps imports of the simulator out of production code, this proves the result.
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptionsFor, REPO_ROOT } from '../../infra/constructs/bundling.ts';
import { FUNCTIONS } from '../../shared/config/functions.ts';

/** Source that must never be in a Lambda bundle, as paths from the repository root. */
const NEVER_SHIPPED = ['functions/local/', 'test/'];
const SIMULATOR_ENTRY = 'functions/local/apple-simulator/index.ts';

const forbidden = (input: string): boolean => NEVER_SHIPPED.some((dir) => input.startsWith(dir));

/** Builds the entries (keyed by output name) as CDK would, without writing anything. */
async function bundle(entries: Record<string, string>): Promise<Metafile> {
  const [first] = Object.values(entries);
  if (!first) throw new Error('nothing to bundle');
  const { entryPoints: _one, outfile: _out, ...options } = esbuildOptionsFor(first, 'unused.mjs');
  const result = await build({
    ...options,
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([id, e]) => [id, path.resolve(REPO_ROOT, e)]),
    ),
    // Nothing is written: the outputs only name the bundles in the metafile.
    outdir: path.join(REPO_ROOT, 'cdk.out', 'bundles-test'),
    outExtension: { '.js': '.mjs' },
    write: false,
    metafile: true,
  });
  expect(result.errors).toEqual([]);
  return result.metafile;
}

/** Each bundle's inputs (paths from the repository root), by the manifest entry it was built from. */
function inputsByEntry(metafile: Metafile): Map<string, string[]> {
  const byEntry = new Map<string, string[]>();
  for (const output of Object.values(metafile.outputs)) {
    if (output.entryPoint) byEntry.set(output.entryPoint, Object.keys(output.inputs));
  }
  return byEntry;
}

describe('Lambda bundles', () => {
  let byEntry: Map<string, string[]>;
  beforeAll(async () => {
    byEntry = inputsByEntry(await bundle(Object.fromEntries(FUNCTIONS.map((f) => [f.id, f.entry]))));
  });

  it('builds one bundle per function of the manifest, each from its own entry', () => {
    // Assess
    expect([...byEntry.keys()].sort()).toEqual(FUNCTIONS.map((f) => f.entry).sort());
    for (const fn of FUNCTIONS) expect(byEntry.get(fn.entry)).toContain(fn.entry);
  });

  it('contains no file of functions/local/ (the Apple simulator included) and none of test/', () => {
    // Assess: listed per entry, so a failure names the function and the files
    const offending = Object.fromEntries(
      [...byEntry].map(([entry, inputs]) => [entry, inputs.filter(forbidden)] as const),
    );
    expect(offending).toEqual(Object.fromEntries(FUNCTIONS.map((f) => [f.entry, []])));
  });

  it('carries the spreadsheet parser in the code-import bundle only', () => {
    // Assess: read-excel-file (and what it unzips with) is in one bundle, so no other grows by it
    const withParser = [...byEntry]
      .filter(([, inputs]) => inputs.some((i) => i.includes('node_modules/read-excel-file/')))
      .map(([entry]) => entry);
    expect(withParser).toEqual(['functions/http/api-redemption-code-imports.ts']);
  });

  it('would see the simulator if a bundle contained it (the check is not vacuous)', async () => {
    // Act
    const inputs = inputsByEntry(await bundle({ simulator: SIMULATOR_ENTRY })).get(SIMULATOR_ENTRY) ?? [];

    // Assess
    expect(inputs.filter(forbidden)).toContain('functions/local/apple-simulator/simulator.ts');
  });
});
