/** One real bundle through CDK (local esbuild, no Docker), and every entry of the manifest with esbuild's API. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../../infra/config.ts';
import { AppFunction } from '../../../infra/constructs/app-function.ts';
import { ESM_REQUIRE_BANNER, esbuildOptionsFor, REPO_ROOT } from '../../../infra/constructs/bundling.ts';
import { commonEnvironment } from '../../../infra/stacks/service-stack.ts';
import { FUNCTIONS } from '../../../shared/config/functions.ts';

const MAX_BUNDLE_BYTES = 1024 * 1024;
const work = mkdtempSync(path.join(tmpdir(), 'vpp-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bundling', () => {
  it('bundles an AppFunction through CDK with local esbuild: ESM with the require banner and a source map', () => {
    // Prepare
    const [definition] = FUNCTIONS;
    if (!definition) throw new Error('FUNCTIONS is empty');
    const outdir = path.join(work, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundle');
    const config = loadInfraConfig(() => undefined);

    // Act
    new AppFunction(stack, 'Fn', {
      definition,
      settings: {
        environment: commonEnvironment(config, 'https://api.example.org'),
        secretPrefix: config.secretPrefix,
        logRetention: RetentionDays.ONE_WEEK,
      },
    });
    app.synth();

    // Assess
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const dir = path.join(outdir, assets[0] ?? '');
    expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
    const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*as handler/);
    expect(statSync(path.join(dir, 'index.mjs')).size).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it.each(FUNCTIONS.map((f) => [f.id, f.entry] as const))(
    '%s: bundles as CDK does, under 1 MB, AWS SDK left to the runtime',
    async (id, entry) => {
      // Act
      const outfile = path.join(work, id, 'index.mjs');
      const result = await build({ ...esbuildOptionsFor(entry, outfile), metafile: true });

      // Assess
      expect(result.errors).toEqual([]);
      expect(statSync(outfile).size).toBeLessThan(MAX_BUNDLE_BYTES);
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/'))).toBe(false);
      expect(inputs).toContain(path.relative(REPO_ROOT, path.join(REPO_ROOT, entry)));
    },
  );
});
