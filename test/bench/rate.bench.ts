/**
 * Apple's rate through the shared DynamoDB limiter: requests per second of one token alone, then of
 * three tokens together (three processes, each on all three), as a ratio to `maxRequestPerSecond`
 * (goal ≥ 0.8), from the simulator's request log.
 */
import { startDynamoDbLocal } from '../../functions/local/engines/dynamodb-local.ts';
import {
  everyTokenInEachProcess,
  rateSlotTable,
  runRateLimitedCallers,
  startRateSimulator,
} from '../support/rate-limited-callers.ts';
import type { BenchRow } from './table.ts';

const LIMIT = 20;
const LOCATIONS = ['bench-a', 'bench-b', 'bench-c'];

export async function benchRate(): Promise<BenchRow[]> {
  const dynamo = await startDynamoDbLocal();
  const { sim, tokens } = await startRateSimulator(LOCATIONS, LIMIT);
  try {
    const table = await rateSlotTable(dynamo.endpoint);
    /** Requests per second of each token over its measured burst (warm-ups left out). */
    const measure = async (processes: string[][], callsPerToken: number): Promise<number[]> => {
      sim.resetRequests();
      await runRateLimitedCallers({
        dynamoEndpoint: dynamo.endpoint,
        table,
        baseUrl: sim.baseUrl,
        processes,
        callsPerToken,
        parallel: 4,
      });
      const log = sim.requests().slice(processes.length);
      return [...new Set(log.map((r) => r.location))].map((location) => {
        const times = log.filter((r) => r.location === location).map((r) => r.at);
        return (times.length - 1) / ((Math.max(...times) - Math.min(...times)) / 1000);
      });
    };
    const [alone = 0] = await measure([[tokens[0] ?? '']], 120);
    const together = await measure(everyTokenInEachProcess(tokens), 40);
    const area = 'Apple rate (shared limiter)';
    return [
      {
        area,
        measure: 'one token alone',
        value: alone / LIMIT,
        unit: '× limit',
        note: `${alone.toFixed(1)}/s of ${LIMIT}/s, 1 process`,
      },
      {
        area,
        measure: `${tokens.length} tokens together`,
        value: Math.min(...together) / LIMIT,
        unit: '× limit',
        note: `slowest token ${Math.min(...together).toFixed(1)}/s; 3 processes on every token`,
      },
    ];
  } finally {
    await sim.close();
    await dynamo.stop();
  }
}
