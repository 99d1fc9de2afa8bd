/**
 * Local mode pointed at another Apple (`VPP_BASE_URL`): a simulator started apart, in its own process
 * on its own port, stands in for it. `npm start` uses that Apple (its ready line names it, adding an
 * account claims the location there), starts no simulator of its own (nothing on `SIM_PORT`, no
 * simulator state) and writes no demo token. The stand-in is on this machine, so notification
 * settings are registered (the http URL on 127.0.0.1 reaches it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/engines/net.ts';
import { localToken } from '../support/local-token.ts';
import { eventually } from '../support/runtime.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const appleDir = mkdtempSync(join(tmpdir(), 'vpp-other-apple-'));
const dir = mkdtempSync(join(tmpdir(), 'vpp-e2e-other-'));
const processes: { child: ChildProcess; output: string }[] = [];
let appleUrl: string;
let api: string;
let ownSimPort: number;
let ready: string;

/** Starts a process in its own group and waits for its line with `ready`. */
async function startProcess(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const entry = { child, output: '' };
  processes.push(entry);
  child.stdout?.on('data', (c: Buffer) => {
    entry.output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    entry.output += c.toString();
  });
  return eventually(
    async () => entry.output.split('\n').find((line) => line.includes('ready')),
    90_000,
    `"ready" from ${args.join(' ')} (got: ${entry.output.slice(-500)})`,
  );
}

async function stopAll(): Promise<void> {
  for (const { child } of processes.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGINT');
    await exited;
  }
}

beforeAll(async () => {
  const applePort = await freePort();
  appleUrl = `http://127.0.0.1:${applePort}/mdm/v2`;
  await startProcess(join(ROOT, 'node_modules', '.bin', 'tsx'), ['functions/local/apple-simulator/main.ts'], {
    SIM_PORT: String(applePort),
    LOCAL_DIR: appleDir,
  });
  const port = await freePort();
  ownSimPort = await freePort();
  api = `http://127.0.0.1:${port}`;
  ready = await startProcess('npm', ['start', '--silent'], {
    PORT: String(port),
    SIM_PORT: String(ownSimPort),
    LOCAL_DIR: dir,
    VPP_BASE_URL: appleUrl,
  });
}, 180_000);

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
  rmSync(appleDir, { recursive: true, force: true });
});

describe('npm start with VPP_BASE_URL', () => {
  it('says which Apple it uses, starts no simulator and writes no demo token', async () => {
    expect(ready).toContain(`Apple ${appleUrl} (VPP_BASE_URL; no simulator)`);
    expect(ready).toContain('notifications registered');
    expect(ready).not.toContain('Apple simulator');
    expect(existsSync(join(dir, 'tokens'))).toBe(false);
    expect(existsSync(join(dir, 'simulator'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${ownSimPort}/mdm/v2/service/config`)).rejects.toThrow();
  });

  it('claims the location at that Apple when an account is added', async () => {
    const jwt = await localToken(dir, { role: 'org-admin' });
    const token = readFileSync(join(appleDir, 'tokens', 'demo-north.vpptoken'), 'utf8');
    const response = await fetch(`${api}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'North', email: 'it@demo.test', token }),
    });
    const account = (await response.json()) as { id: string };
    expect(response.status).toBe(201);
    const state = (await (await fetch(`${appleUrl.replace('/mdm/v2', '')}/_sim/state`)).json()) as {
      locations: { id: string; mdmInfo?: { id: string }; notificationUrl?: string }[];
    };
    expect(state.locations.find((l) => l.id === 'demo-north')).toMatchObject({
      mdmInfo: { id: `vpp-manager:local:${account.id}` },
      notificationUrl: `${api}/apple/notifications/${account.id}`,
    });
  });
});
