/**
 * Sync at scale (issue 16): 500 assets with 100,000 assignments and 20,000 users, then with 1,000,000
 * and 200,000, side by side (`--scale` shrinks both). For each, a first full sync, an incremental one
 * with nothing new, and a full one with nothing new: the heap peak of the sync, time, Apple calls and
 * their lower bound, data writes and their lower bound, bookkeeping writes (checkpoints, rate slots)
 * apart, and the token's request rate as a ratio of Apple's limit.
 *
 * The simulator runs in a process of its own (`scale-simulator.ts`, which makes the data itself) and
 * DynamoDB Local is a Java process, so this process's V8 heap is the sync's (plus the idle local
 * runtime, measured before each sync as the baseline).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { DEFAULT_LIMITS } from '../../shared/application/ports/vpp-client.ts';
import { syncAccount } from '../../shared/application/sync/sync-account.ts';
import type { Account } from '../../shared/domain/account.ts';
import { countWrites } from '../support/write-counter.ts';
import { SCALE_ORG, type ScaleSpec } from './scale-data.ts';
import { type BenchRow, collectGarbage, printTable, withPeakHeap } from './table.ts';

/** The simulator's records per page of `users`, `assets` and `assignments` (its default). */
const PAGE_SIZE = 1000;
/** Asset ids per content metadata lookup (the name and icon of a new asset). */
const LOOKUP_SIZE = 100;
const ASSETS = 500;
const SIZES: readonly Omit<ScaleSpec, 'assets'>[] = [
  { assignments: 100_000, users: 20_000 },
  { assignments: 1_000_000, users: 200_000 },
];

interface Figures {
  heapPeakMb: number;
  heapLiveMb: number;
  heapBeforeMb: number;
  seconds: number;
  appleCalls: number;
  appleCallsByEndpoint: Record<string, number>;
  appleCallsLowerBound: number;
  dataWrites: number;
  dataWritesByTable: Record<string, number>;
  dataWritesLowerBound: number;
  checkpoints: number;
  rateSlots: number;
  pagesRead: number;
  rate: number;
}

const PASSES = ['first full sync', 'incremental, nothing new', 'full, nothing new'] as const;
type Pass = (typeof PASSES)[number];

export async function benchScale(scale = 1): Promise<BenchRow[]> {
  const specs = SIZES.map((s) => ({
    assets: Math.max(1, Math.round(ASSETS * Math.min(1, scale))),
    users: Math.max(1, Math.round(s.users * scale)),
    assignments: Math.max(1, Math.round(s.assignments * scale)),
  }));
  const results: { spec: ScaleSpec; figures: Record<Pass, Figures>; seedSeconds: number }[] = [];
  for (const spec of specs) {
    results.push(await measure(spec));
    // A long run shows each size as soon as it is measured.
    process.stderr.write(`bench: scale, ${spec.assignments.toLocaleString('en-US')} assignments done\n`);
    printTable(table(results), process.stderr);
  }
  return table(results);
}

async function measure(
  spec: ScaleSpec,
): Promise<{ spec: ScaleSpec; figures: Record<Pass, Figures>; seedSeconds: number }> {
  const seedStarted = performance.now();
  const sim = await startSimulatorProcess(spec);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const rt = await startLocalRuntime({
    pollQueues: false,
    scheduleTimers: false,
    vppBaseUrl: sim.baseUrl,
    tablePrefix: `scale${spec.assignments}-`,
  });
  try {
    const created = await fetch(`${rt.apiUrl}/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await rt.token({ org: SCALE_ORG, role: 'org-admin', email: 'admin@bench.test' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'Big', email: 'it@bench.test', token: sim.token }),
    });
    if (created.status !== 201)
      throw new Error(`account not created: ${created.status} ${await created.text()}`);
    const id = ((await created.json()) as { id: string }).id;
    const writes = countWrites(rt.clients.dynamo);
    const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE_SIZE));
    const lowerBounds: Record<Pass, { calls: number; writes: number }> = {
      'first full sync': {
        calls:
          pages(spec.users) +
          pages(spec.assets) +
          Math.ceil(spec.assets / LOOKUP_SIZE) +
          pages(spec.assignments),
        writes: spec.users + spec.assets + spec.assignments,
      },
      // Each versioned read answers one empty page; assets are read whole.
      'incremental, nothing new': { calls: 1 + pages(spec.assets) + 1, writes: 0 },
      'full, nothing new': {
        calls: pages(spec.users) + pages(spec.assets) + pages(spec.assignments),
        writes: 0,
      },
    };
    const figures = {} as Record<Pass, Figures>;
    for (const pass of PASSES) {
      await sim.control('DELETE', '/_sim/calls');
      writes.reset();
      const account = (await rt.deps.accounts.get(id)) as Account;
      const heapBefore = collectGarbage();
      const { peakHeapMb, peakLiveMb, ms } = await withPeakHeap(() =>
        syncAccount(rt.deps, account, {
          full: pass !== 'incremental, nothing new',
          actor: { type: 'system', id: 'bench' },
          jobId: `scale-${pass.replace(/\W+/g, '-')}`,
        }),
      );
      const byEndpoint = (await sim.control('GET', '/_sim/calls')) as Record<string, number>;
      const appleCalls = Object.values(byEndpoint).reduce((n, v) => n + v, 0);
      const byTable = Object.fromEntries(
        Object.entries(writes.byTable())
          .filter(([, t]) => t.writes > 0)
          .map(([name, t]) => [name.replace(/^scale\d+-/, ''), t.writes]),
      );
      figures[pass] = {
        heapPeakMb: peakHeapMb,
        heapLiveMb: peakLiveMb,
        heapBeforeMb: heapBefore,
        seconds: ms / 1000,
        appleCalls,
        appleCallsByEndpoint: byEndpoint,
        appleCallsLowerBound: lowerBounds[pass].calls,
        dataWrites: writes.total(),
        dataWritesByTable: byTable,
        dataWritesLowerBound: lowerBounds[pass].writes,
        checkpoints: writes.checkpoints(),
        rateSlots: writes.rateSlots(),
        pagesRead: appleCalls + (pass === 'incremental, nothing new' ? 0 : pages(spec.assignments)),
        rate: appleCalls / (ms / 1000) / DEFAULT_LIMITS.maxRequestPerSecond,
      };
    }
    return { spec, figures, seedSeconds };
  } finally {
    await rt.stop();
    await sim.stop();
  }
}

function table(
  results: readonly { spec: ScaleSpec; figures: Record<Pass, Figures>; seedSeconds: number }[],
): BenchRow[] {
  const label = (s: ScaleSpec) =>
    `${s.assignments.toLocaleString('en-US')} asg / ${s.users.toLocaleString('en-US')} users`;
  const rows: BenchRow[] = [];
  const area = `sync at scale (${results.map((r) => label(r.spec)).join(' / ')}; ${results[0]?.spec.assets ?? ASSETS} assets)`;
  const cell = (values: (number | string)[]) =>
    values.map((v) => (typeof v === 'number' ? fmt(v) : v)).join(' / ');
  for (const pass of PASSES) {
    const f = results.map((r) => r.figures[pass]);
    const row = (measure: string, values: (number | string)[], unit: string, note = '') =>
      rows.push({ area, measure: `${pass}: ${measure}`, value: cell(values), unit, note });
    row(
      'heap peak',
      f.map((x) => x.heapPeakMb),
      'MB',
      `idle before: ${cell(f.map((x) => x.heapBeforeMb))} MB`,
    );
    row(
      'heap peak after a major GC',
      f.map((x) => x.heapLiveMb),
      'MB',
      'what the sync keeps alive (garbage left out)',
    );
    row(
      'time',
      f.map((x) => x.seconds),
      's',
    );
    row(
      'Apple calls (lower bound)',
      f.map((x) => `${fmt(x.appleCalls)} (${fmt(x.appleCallsLowerBound)})`),
      'calls',
      f.map((x) => JSON.stringify(x.appleCallsByEndpoint)).join(' / '),
    );
    row(
      'data writes (lower bound)',
      f.map((x) => `${fmt(x.dataWrites)} (${fmt(x.dataWritesLowerBound)})`),
      'items',
      f.map((x) => JSON.stringify(x.dataWritesByTable)).join(' / '),
    );
    row(
      'bookkeeping: checkpoints + rate slots',
      f.map((x) => `${fmt(x.checkpoints)} + ${fmt(x.rateSlots)}`),
      'items',
      `pages read (Apple + our records): ${cell(f.map((x) => x.pagesRead))}`,
    );
    row(
      'Apple rate',
      f.map((x) => x.rate),
      '× limit',
      `calls / time / ${DEFAULT_LIMITS.maxRequestPerSecond} per s`,
    );
  }
  rows.push({
    area,
    measure: 'notes',
    value: '',
    note:
      'heap: V8 heapUsed + arrayBuffers, sampled every 20 ms during the sync after a forced GC (peak after a major GC: read when a major GC ends); ' +
      `Apple lower bound: ⌈users/${PAGE_SIZE}⌉ + ⌈assets/${PAGE_SIZE}⌉ + ⌈assignments/${PAGE_SIZE}⌉ pages, + ⌈assets/${LOOKUP_SIZE}⌉ metadata lookups on the first sync (incremental: 1 + ⌈assets/${PAGE_SIZE}⌉ + 1); ` +
      `data lower bound: users + assets + assignments first, 0 unchanged; simulator start and seed: ${cell(results.map((r) => r.seedSeconds))} s`,
  });
  return rows;
}

const fmt = (n: number): string =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });

interface SimulatorProcess {
  readonly baseUrl: string;
  readonly token: string;
  control(method: 'GET' | 'DELETE', path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts `scale-simulator.ts` with tsx and waits for its ready line. */
async function startSimulatorProcess(spec: ScaleSpec): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(
    resolve('node_modules/.bin/tsx'),
    [resolve('test/bench/scale-simulator.ts')],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: '--max-old-space-size=8192',
        SCALE_ASSETS: String(spec.assets),
        SCALE_USERS: String(spec.users),
        SCALE_ASSIGNMENTS: String(spec.assignments),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = await new Promise<{ url: string; baseUrl: string; token: string }>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = output.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        done(JSON.parse(line) as { url: string; baseUrl: string; token: string });
      }
    };
    const onExit = (code: number | null) => fail(new Error(`simulator exited (${code}): ${output}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', onExit);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    baseUrl: ready.baseUrl,
    token: ready.token,
    control: async (method, path) => (await fetch(`${ready.url}${path}`, { method })).json(),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
