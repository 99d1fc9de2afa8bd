import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAppleSimulator } from '../../../../functions/local/apple-simulator/index.ts';
import { apiFor, call, LOC, startReceiver, startTestSimulator, subscribe } from './support.ts';

const ALPHA = { adamId: '1111111111', pricingParam: 'STDQ' } as const;

describe('persistence across restarts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apple-sim-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps tokens, versions and data; a pending event completes after the restart', async () => {
    // Prepare
    const first = await startTestSimulator({ stateDir: dir });
    const api1 = apiFor(first.sim, first.token);
    const v1 = (await api1.get('users')).body.versionId;
    const accepted = await api1.post('users/create', { users: [{ clientUserId: 'after-restart' }] });
    await first.sim.close();
    // Act
    const second = await startAppleSimulator({
      quiet: true,
      stateDir: dir,
      enforceRateLimit: false,
      eventDelayMs: 60_000,
    });
    try {
      const api2 = apiFor(second, first.token);
      const pending = await api2.get('status', { eventId: accepted.body.eventId });
      await second.settle();
      const done = await api2.get('status', { eventId: accepted.body.eventId });
      const delta = await api2.get('users', { sinceVersionId: v1 });
      // Assess
      expect(pending.body.eventStatus).toBe('PENDING');
      expect(done.body).toMatchObject({ eventStatus: 'COMPLETE', numCompleted: 1, uId: '3300000000000042' });
      expect(delta.status).toBe(200);
      expect(delta.body.users).toEqual([
        expect.objectContaining({ clientUserId: 'after-restart', status: 'Registered' }),
      ]);
      expect(second.snapshot().locations.map((l) => l.id)).toEqual(['loc-1', 'loc-2']);
    } finally {
      await second.close();
    }
  });

  it('processes by itself an event whose time passed while stopped', async () => {
    // Prepare
    const first = await startTestSimulator({ stateDir: dir, eventDelayMs: 1 });
    const accepted = await apiFor(first.sim, first.token).post('assets/associate', {
      assets: [ALPHA],
      serialNumbers: ['S'],
    });
    await first.sim.close();
    // Act
    const second = await startAppleSimulator({ quiet: true, stateDir: dir, enforceRateLimit: false });
    try {
      // Assess
      await vi.waitFor(async () => {
        const status = await apiFor(second, first.token).get('status', { eventId: accepted.body.eventId });
        expect(status.body.eventStatus).toBe('COMPLETE');
      });
    } finally {
      await second.close();
    }
  });

  it('delivers after a restart a notification that was still pending', async () => {
    // Prepare
    const receiver = await startReceiver();
    const first = await startTestSimulator({ stateDir: dir });
    await subscribe(first.sim, first.token, receiver);
    first.sim.setFaults({ notifications: { delayMs: 50 } });
    first.sim.purchase(LOC, ALPHA, 3);
    await first.sim.close();
    expect(receiver.received).toHaveLength(0);
    // Act
    const second = await startAppleSimulator({ quiet: true, stateDir: dir });
    try {
      // Assess
      await vi.waitFor(() => expect(receiver.ofType('ASSET_COUNT')).toHaveLength(1));
      expect(receiver.received[0]?.body.notification.countDelta).toBe(3);
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it('saves shortly after a change without waiting for close, atomically', async () => {
    // Prepare
    const t = await startTestSimulator({ stateDir: dir });
    try {
      // Act
      t.sim.purchase(LOC, ALPHA, 7);
      // Assess
      await vi.waitFor(async () => {
        const saved = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
        const alpha = saved.locations[0].assets.find((a: { adamId: string }) => a.adamId === ALPHA.adamId);
        expect(alpha.totalCount).toBe(17);
      });
      expect((await stat(join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await t.sim.close();
    }
  });

  it('refuses a state file that is not a simulator state', async () => {
    // Prepare
    const t = await startTestSimulator({ stateDir: dir });
    await t.sim.close();
    await writeFile(join(dir, 'state.json'), '{"format":"something else"}');
    // Act + Assess
    await expect(startAppleSimulator({ quiet: true, stateDir: dir })).rejects.toThrow(
      /not a simulator state/,
    );
  });
});

describe('CLI (main.ts) as a separate process', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apple-sim-cli-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts seeded with the demo organisation, writes tokens, prints ready, and stops cleanly on SIGTERM', async () => {
    // Prepare
    const tsx = resolve('node_modules/.bin/tsx');
    const main = resolve('functions/local/apple-simulator/main.ts');
    const proc = spawn(tsx, [main], {
      cwd: dir,
      env: { ...process.env, SIM_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    // Act
    await vi.waitFor(() => expect(output).toContain('ready'), { timeout: 20_000, interval: 50 });
    const baseUrl = /(http:\/\/127\.0\.0\.1:\d+\/mdm\/v2)/.exec(output)?.[1] ?? '';
    const token = (await readFile(join(dir, '.local/tokens/demo-north.vpptoken'), 'utf8')).trim();
    const config = await call(baseUrl, 'GET', 'client/config', { token });
    const tokenMode = (await stat(join(dir, '.local/tokens/demo-south.vpptoken'))).mode & 0o777;
    proc.kill('SIGTERM');
    const code = await exited;
    // Assess
    expect(config.body).toMatchObject({
      locationName: 'North Campus',
      countryISO2ACode: 'US',
      uId: '3300000000000101',
    });
    expect(tokenMode).toBe(0o600);
    expect(code).toBe(0);
    const saved = JSON.parse(await readFile(join(dir, '.local/simulator/state.json'), 'utf8'));
    expect(saved.organizations).toEqual([
      { id: 'demo', name: 'Demo School District', managedAppleIdDomain: 'demo.appleaccount.example' },
    ]);
  }, 30_000);
});
