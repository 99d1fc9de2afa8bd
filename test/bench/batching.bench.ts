/**
 * Apple calls of large writes, counted by the simulator: one app to 10,000 serial numbers, 30 apps to
 * 2,500 devices, revoking 1,000 users.
 */
import { startAppleSimulator } from '../../functions/local/apple-simulator/index.ts';
import { AppleVppHttpClient } from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { Secret } from '../../shared/domain/secret.ts';
import type { BenchRow } from './table.ts';

export async function benchBatching(): Promise<BenchRow[]> {
  const apps = Array.from({ length: 30 }, (_, i) => ({
    adamId: String(4_000_000_000 + i),
    pricingParam: 'STDQ' as const,
  }));
  const sim = await startAppleSimulator({
    quiet: true,
    eventDelayMs: 10,
    enforceRateLimit: true,
    seed: {
      organizations: [
        {
          id: 'bench',
          name: 'Bench',
          locations: [
            {
              id: 'bench-1',
              name: 'Bench',
              assets: apps.map((a, i) => ({
                ...a,
                productType: 'App' as const,
                name: `App ${i}`,
                totalCount: 20_000,
                deviceAssignable: true,
              })),
              users: Array.from({ length: 1000 }, (_, i) => ({
                clientUserId: `u${i}`,
                status: 'Associated' as const,
              })),
            },
          ],
        },
      ],
    },
  });
  const rows: BenchRow[] = [];
  try {
    const token = new Secret(sim.snapshot().tokens[0]?.content ?? '');
    const client = new AppleVppHttpClient({ baseUrl: sim.baseUrl });
    const serials = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const measure = async (name: string, endpoint: string, expected: number, run: () => Promise<unknown>) => {
      sim.resetCalls();
      const started = performance.now();
      await run();
      rows.push({
        area: 'apple batching',
        measure: name,
        value: sim.calls()[endpoint] ?? 0,
        unit: 'calls',
        note: `Apple's lower bound: ${expected}; ${Math.round(performance.now() - started)} ms`,
      });
    };
    await measure('1 app → 10,000 serial numbers', 'POST assets/associate', 10, () =>
      client.associateAssets(token, {
        assets: [apps[0] as (typeof apps)[0]],
        serialNumbers: serials(10_000, 'A'),
      }),
    );
    await measure('30 apps → 2,500 devices', 'POST assets/associate', 6, () =>
      client.associateAssets(token, { assets: apps, serialNumbers: serials(2_500, 'B') }),
    );
    await measure('revoke 1,000 users', 'POST assets/revoke', 10, () =>
      client.revokeAssets(token, { clientUserIds: Array.from({ length: 1000 }, (_, i) => `u${i}`) }),
    );
  } finally {
    await sim.close();
  }
  return rows;
}
