/**
 * How every Lambda entry is bundled, in one place: the CDK functions use `LAMBDA_BUNDLING`, and the
 * benchmark (`npm run bench`) builds entries with `esbuildOptionsFor`, so the sizes it reports are the
 * sizes that ship.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: entries in shared/config/functions.ts are relative to it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The lock file that pins what esbuild bundles. */
export const LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');

/** esbuild target matching the Lambda runtime (nodejs24.x). */
export const LAMBDA_TARGET = 'node24';

/**
 * ESM bundles still contain CommonJS dependencies that call `require`; the banner gives them one.
 * `createRequire` is imported under a private name so it cannot clash with an import of the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __vppCreateRequire } from 'node:module';const require = __vppCreateRequire(import.meta.url);";

/** The Lambda runtime provides AWS SDK v3; bundling it would only add size and cold-start time. */
export const EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*'];

/** NodejsFunction bundling (local esbuild, never Docker). */
export const LAMBDA_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: LAMBDA_TARGET,
  minify: true,
  sourceMap: true,
  // Stack traces map to file and line; the sources themselves stay out of the zip.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  externalModules: [...EXTERNAL_MODULES],
  forceDockerBundling: false,
  // esbuild's warnings and errors only: not a size table and a "Done" line per function at each synth.
  logLevel: LogLevel.WARNING,
};

/** The same bundle with esbuild's API, for the benchmark: `await build(esbuildOptionsFor(entry, out))`. */
export function esbuildOptionsFor(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: [...EXTERNAL_MODULES],
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  };
}
