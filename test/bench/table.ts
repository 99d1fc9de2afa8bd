/** The bench's output: rows of figures, printed as one aligned table. */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface BenchRow {
  readonly area: string;
  readonly measure: string;
  readonly value: string | number;
  readonly unit?: string;
  readonly note?: string;
}

export function printTable(rows: readonly BenchRow[], out: NodeJS.WritableStream = process.stdout): void {
  const cells = rows.map((r) => [
    r.area,
    r.measure,
    typeof r.value === 'number' ? formatNumber(r.value) : r.value,
    r.unit ?? '',
    r.note ?? '',
  ]);
  const header = ['area', 'measure', 'value', 'unit', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c: readonly (string | number)[]) =>
    `| ${c.map((v, i) => (i === 2 ? String(v).padStart(widths[i] ?? 0) : String(v).padEnd(widths[i] ?? 0))).join(' | ')} |`;
  out.write(
    `${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${cells.map(line).join('\n')}\n`,
  );
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Samples the process's memory while `work` runs; returns the result and the peak RSS seen. */
export async function withPeakMemory<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMb: peak / 1024 / 1024, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

/** The V8 heap in use plus the ArrayBuffers outside it, in bytes. */
const heapNow = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * Runs a full garbage collection (`global.gc` when node runs with `--expose-gc`, otherwise exposed
 * here through V8's flags) and returns the heap left, in MB.
 */
export function collectGarbage(): number {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) exposed();
  else {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  }
  return heapNow() / 1024 / 1024;
}

/**
 * Samples the V8 heap (plus ArrayBuffers) every 20 ms while `work` runs; returns the peak seen and the
 * peak just after a major garbage collection (close to what `work` keeps alive, garbage left out), in MB.
 */
export async function withPeakHeap<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakHeapMb: number; peakLiveMb: number; ms: number }> {
  let peak = heapNow();
  let live = peak;
  const timer = setInterval(() => {
    peak = Math.max(peak, heapNow());
  }, 20);
  const majorGc = new PerformanceObserver((list) => {
    const kinds = list
      .getEntries()
      .map((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind);
    if (kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR)) live = Math.max(live, heapNow());
  });
  majorGc.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, heapNow());
    const mb = (n: number) => n / 1024 / 1024;
    return { result, peakHeapMb: mb(peak), peakLiveMb: mb(live), ms: performance.now() - started };
  } finally {
    clearInterval(timer);
    majorGc.disconnect();
  }
}
