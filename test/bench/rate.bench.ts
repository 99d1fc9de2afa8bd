/**
 * Apple's rate through the shared DynamoDB limiter: requests per second of one token alone, then of
 * three tokens together (three processes, each on all three), as a ratio to `maxRequestPerSecond`
 * (goal ≥ 0.8), from the simulator's request log.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startAppleSimulator } from '../../functions/local/apple-simulator/index.ts';
import { startDynamoDbLocal } from '../../functions/local/engines/dynamodb-local.ts';
import { ensureTables } from '../../functions/local/tables.ts';
import { runRateLimitedCallers } from '../support/rate-limited-callers.ts';
import type { BenchRow } from './table.ts';

const LIMIT = 20;
const LOCATIONS = ['bench-a', 'bench-b', 'bench-c'];

export async function benchRate(): Promise<BenchRow[]> {
  const dynamo = await startDynamoDbLocal();
  const sim = await startAppleSimulator({
    quiet: true,
    limits: { maxRequestPerSecond: LIMIT },
    seed: {
      organizations: [
        {
          id: 'bench',
          name: 'Bench',
          locations: LOCATIONS.map((id) => ({ id, name: id, assets: [], users: [] })),
        },
      ],
    },
  });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const table = (await ensureTables(client, `rate${randomUUID().slice(0, 8)}-`)).core;
    const tokens = LOCATIONS.map((l) => sim.snapshot().tokens.find((t) => t.locationId === l)?.content ?? '');
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
    const together = await measure(
      tokens.map((_, i) => [...tokens.slice(i), ...tokens.slice(0, i)]),
      40,
    );
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
    client.destroy();
    await sim.close();
    await dynamo.stop();
  }
}
