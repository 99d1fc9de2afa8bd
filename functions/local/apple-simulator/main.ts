/**
 * The simulator as a process (local mode, `npm start`, end-to-end tests in another process):
 *   npx tsx functions/local/apple-simulator/main.ts
 * Port from `SIM_PORT` (default 8081), state in `.local/simulator/` (`LOCAL_DIR` moves `.local`), seeded with the demo organisation
 * on first start, HTTP notification URLs allowed. Writes each location's token to
 * `.local/tokens/<locationId>.vpptoken` (mode 0600), prints one line with `ready` and the URLs, and
 * stops cleanly (state saved) on SIGINT or SIGTERM.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startAppleSimulator } from './simulator.ts';

const DEFAULT_PORT = 8081;

async function main(): Promise<void> {
  const port = Number(process.env.SIM_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`SIM_PORT is not a port: ${process.env.SIM_PORT}`);
  const localDir = resolve(process.cwd(), process.env.LOCAL_DIR ?? '.local');
  const sim = await startAppleSimulator({
    port,
    stateDir: join(localDir, 'simulator'),
    seed: 'demo',
    allowHttpNotifications: true,
  });

  const tokensDir = join(localDir, 'tokens');
  await mkdir(tokensDir, { recursive: true, mode: 0o700 });
  const snapshot = sim.snapshot();
  for (const location of snapshot.locations) {
    const usable = snapshot.tokens.find((t) => t.locationId === location.id && !t.expired && !t.revoked);
    const token = usable?.content ?? sim.issueToken(location.id);
    const file = join(tokensDir, `${location.id}.vpptoken`);
    await writeFile(file, token, { mode: 0o600 });
    // `mode` applies only when the file is created; an old file keeps its mode otherwise.
    await chmod(file, 0o600);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[apple-sim] ${signal}: stopping\n`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[apple-sim] could not stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  process.stdout.write(
    `Apple simulator ready: ${sim.baseUrl} (service config ${sim.baseUrl}/service/config, ` +
      `controls ${sim.url}/_sim/state, tokens in ${tokensDir})\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[apple-sim] failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
