/**
 * Apple's notification endpoint (SPEC §5.6: queued and answered within a second): the time from Apple's
 * POST to our answer, over many notifications sent one after another, each with a new notificationId,
 * and the same for repeated ones (dropped on their id). Local mode, the very handler and queue.
 */
import { randomUUID } from 'node:crypto';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { notificationSecretName } from '../../shared/application/accounts/token-guard.ts';
import type { BenchRow } from './table.ts';

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function benchNotifications(count = 500): Promise<BenchRow[]> {
  const rt = await startLocalRuntime({ scheduleTimers: false, simulator: { seed: 'demo' } });
  try {
    const jwt = await rt.token({ org: 'bench', role: 'org-admin', email: 'admin@bench.test' });
    const token = rt.simulator.snapshot().tokens.find((t) => t.locationId === 'demo-north')?.content;
    const created = await fetch(`${rt.apiUrl}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', email: 'it@bench.test', token }),
    });
    const accountId = ((await created.json()) as { id: string }).id;
    const secret = (await rt.deps.secrets.get(notificationSecretName(accountId)))?.reveal() ?? '';
    // An app of the demo organisation's north campus.
    const adamId = '361309726';
    const post = async (notificationId: string) => {
      const started = performance.now();
      const answer = await fetch(`${rt.apiUrl}/apple/notifications/${accountId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          notificationId,
          notificationType: 'ASSET_COUNT',
          notification: { adamId, pricingParam: 'STDQ', countDelta: 0 },
        }),
      });
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`notification answered ${answer.status}`);
      return performance.now() - started;
    };
    const rows: BenchRow[] = [];
    const measure = async (label: string, ids: readonly string[]) => {
      const times: number[] = [];
      for (const id of ids) times.push(await post(id));
      times.sort((a, b) => a - b);
      const area = `Apple notification endpoint (${ids.length} sent one by one)`;
      rows.push(
        { area, measure: `${label}: median answer`, value: percentile(times, 50), unit: 'ms' },
        { area, measure: `${label}: 99th percentile`, value: percentile(times, 99), unit: 'ms' },
        {
          area,
          measure: `${label}: slowest`,
          value: times.at(-1) ?? 0,
          unit: 'ms',
          note: 'SPEC: within 1,000 ms',
        },
      );
    };
    const ids = Array.from({ length: count }, () => randomUUID());
    await measure('new notifications', ids);
    await measure('repeated notifications', ids);
    return rows;
  } finally {
    await rt.stop();
  }
}
