/**
 * Granting one app to 10,000 devices through the API, end to end in local mode (SPEC §8): the API
 * answer, the grants queue, the workers, Apple's associate calls and notifications, until the job has
 * succeeded. Counts Apple calls (simulator), table writes (DynamoDB client) and queue messages (SQS client).
 */
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { countWrites } from '../support/write-counter.ts';
import type { BenchRow } from './table.ts';

export async function benchGrants(devices = 10_000): Promise<BenchRow[]> {
  const rt = await startLocalRuntime({
    scheduleTimers: false,
    eventFirstPollSeconds: 5,
    eventPollIntervalSeconds: 2,
    simulator: { seed: 'demo', eventDelayMs: 50 },
  });
  const rows: BenchRow[] = [];
  try {
    const seeded = rt.simulator.seed({
      organizations: [
        {
          id: 'grant-bench',
          name: 'Grant Bench',
          locations: [
            {
              id: 'grant-bench-1',
              name: 'Bench',
              assets: [
                {
                  adamId: '8000000001',
                  pricingParam: 'STDQ',
                  productType: 'App',
                  name: 'Bench App',
                  totalCount: devices * 2,
                  deviceAssignable: true,
                },
              ],
            },
          ],
        },
      ],
    });
    const jwt = await rt.token({ org: 'bench', role: 'org-admin', email: 'admin@bench.test' });
    const call = async (method: string, path: string, body: unknown) => {
      const answer = await fetch(`${rt.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, any> };
    };
    const account = await call('POST', '/v1/accounts', {
      name: 'Bench',
      email: 'it@bench.test',
      token: seeded.locations[0]?.tokens[0],
    });
    const accountId = account.body.id as string;
    for (let t = Date.now(); !(await rt.deps.syncStates.get(accountId)) && Date.now() - t < 60_000; )
      await new Promise((r) => setTimeout(r, 200));
    const serials = Array.from({ length: devices }, (_, i) => `BENCH${String(i).padStart(6, '0')}`);
    for (let i = 0; i < serials.length; i += 1000) {
      await call(
        'PUT',
        '/v1/devices',
        serials.slice(i, i + 1000).map((serialNumber) => ({ serialNumber, networkId: 'bench' })),
      );
    }

    const writes = countWrites(rt.clients.dynamo);
    let messages = 0;
    rt.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Entries?: unknown[] };
        if (context.commandName === 'SendMessageCommand') messages++;
        if (context.commandName === 'SendMessageBatchCommand') messages += input.Entries?.length ?? 0;
        return next(args);
      },
      { step: 'initialize', name: 'bench-message-counter' },
    );
    rt.simulator.resetCalls();
    const started = performance.now();
    const granted = await call('POST', `/v1/accounts/${accountId}/assets/8000000001/grants`, {
      serialNumbers: serials,
    });
    const answered = performance.now() - started;
    const jobId = granted.body.job.id as string;
    let state = '';
    for (let t = Date.now(); Date.now() - t < 300_000; ) {
      state = (await rt.deps.jobs.get(jobId, { maxFailures: 0 }))?.state ?? '';
      if (['succeeded', 'failed', 'partially_failed'].includes(state)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = performance.now() - started;
    const area = `grant 1 app → ${devices.toLocaleString('en-US')} devices (local mode)`;
    rows.push({
      area,
      measure: 'Apple associate calls',
      value: rt.simulator.calls()['POST assets/associate'] ?? 0,
      note: "Apple's lower bound: 10",
    });
    rows.push({
      area,
      measure: 'other Apple calls',
      value: Object.entries(rt.simulator.calls())
        .filter(([k]) => k !== 'POST assets/associate')
        .reduce((n, [, v]) => n + v, 0),
      note: JSON.stringify(rt.simulator.calls()),
    });
    rows.push({
      area,
      measure: 'table writes',
      value: writes.total() - writes.cancelled(),
      unit: 'items',
      note: `${((writes.total() - writes.cancelled()) / devices).toFixed(2)} per subject; sent ${JSON.stringify(writes.byCommand())}`,
    });
    rows.push({
      area,
      measure: 'writes sent again',
      value: writes.cancelled(),
      unit: 'items',
      note: 'items of transactions DynamoDB cancelled (another transaction held a counter), sent again',
    });
    rows.push({ area, measure: 'queue messages', value: messages, note: 'grants + event polls' });
    rows.push({ area, measure: 'API answer (202)', value: answered / 1000, unit: 's' });
    rows.push({
      area,
      measure: `end to end (job ${state})`,
      value: done / 1000,
      unit: 's',
      note: 'DynamoDB Local on this machine; notifications settle the events',
    });
  } finally {
    await rt.stop();
  }
  return rows;
}
