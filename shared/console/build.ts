/**
 * Builds the console with Vite into static files when the build is missing or older than its sources
 * (local mode calls this before it serves `/`; the CDK stack uploads the same output). The output
 * goes to a git-ignored folder; a build is made beside it and moved in whole, so two processes that
 * build at once never serve half a build.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const CONSOLE_SOURCE_DIR = resolve(import.meta.dirname);
/** Where the build goes by default: the repository's node_modules cache (git-ignored). */
export const DEFAULT_CONSOLE_OUT_DIR = resolve(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'vpp-console',
);
const STAMP = '.built';

/** The newest modification time of the console's sources (its folder). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function consoleBuildIsCurrent(outDir: string = DEFAULT_CONSOLE_OUT_DIR): boolean {
  const stamp = join(outDir, STAMP);
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(CONSOLE_SOURCE_DIR);
}

/** Builds now, whatever the state of the output. */
export async function buildConsole(outDir: string = DEFAULT_CONSOLE_OUT_DIR): Promise<void> {
  const { build } = await import('vite');
  const staging = `${outDir}.${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(dirname(outDir), { recursive: true });
  await build({
    configFile: join(CONSOLE_SOURCE_DIR, 'vite.config.ts'),
    root: CONSOLE_SOURCE_DIR,
    logLevel: 'error',
    build: { outDir: staging, emptyOutDir: true },
  });
  writeFileSync(join(staging, STAMP), new Date().toISOString());
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(staging, outDir);
  } catch (error) {
    // Another process moved its build in first: theirs is as current as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(outDir, STAMP))) throw error;
  }
}

let pending: Promise<string> | undefined;

/** The folder of a current build, built first when missing or stale (once at a time per process). */
export function ensureConsoleBuilt(outDir: string = DEFAULT_CONSOLE_OUT_DIR): Promise<string> {
  if (consoleBuildIsCurrent(outDir)) return Promise.resolve(outDir);
  pending ??= buildConsole(outDir)
    .then(() => outDir)
    .finally(() => {
      pending = undefined;
    });
  return pending;
}
