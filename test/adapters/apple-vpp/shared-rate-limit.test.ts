/**
 * Apple's rate across processes: three processes share three tokens through the DynamoDB slot
 * limiter on DynamoDB Local, against the simulator. The simulator's log shows the ceiling: no token
 * has more requests than its limit in any aligned second of the simulator's clock, and the tokens'
 * requests interleave. (It asserts the ceiling only: the simulator counts a sliding second, stricter
 * than an aligned one, so arrival jitter on a loaded machine may earn an occasional 9646, which the
 * client waits out; the rate is in the bench.)
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { AppleSimulator, LoggedRequest } from '../../../functions/local/apple-simulator/index.ts';
import {
  everyTokenInEachProcess,
  rateSlotTable,
  runRateLimitedCallers,
  startRateSimulator,
} from '../../support/rate-limited-callers.ts';

const LIMIT = 10;
const LOCATIONS = ['rate-a', 'rate-b', 'rate-c'];
let sim: AppleSimulator;
let table: string;

let tokens: string[];

beforeAll(async () => {
  ({ sim, tokens } = await startRateSimulator(LOCATIONS, LIMIT));
  table = await rateSlotTable(inject('dynamoEndpoint'));
});

afterAll(async () => {
  await sim?.close();
});

it('keeps every token under its limit in every aligned second, across processes, and interleaves the tokens', async () => {
  // Prepare: each process works on all three tokens, its own first.
  const processes = everyTokenInEachProcess(tokens);
  sim.resetRequests();

  // Act
  await runRateLimitedCallers({
    dynamoEndpoint: inject('dynamoEndpoint'),
    table,
    baseUrl: sim.baseUrl,
    processes,
    callsPerToken: 8,
  });

  // Assess
  const log: readonly LoggedRequest[] = sim.requests();
  // Three warm-up calls, then 3 processes × 3 tokens × 8 calls, each answered (a rare 9646 from the
  // simulator's sliding second is waited out and sent again, and counts as a request below).
  const answered = log.filter((r) => !r.refused);
  expect(answered).toHaveLength(3 + 3 * 3 * 8);
  const perWindow = new Map<string, number>();
  for (const r of log) {
    const key = `${r.location}@${Math.floor(r.at / 1000)}`;
    perWindow.set(key, (perWindow.get(key) ?? 0) + 1);
  }
  for (const [window, count] of perWindow) expect(count, window).toBeLessThanOrEqual(LIMIT);
  // Interleaved: the order of arrival switches token often, not one token after another.
  const order = [...answered].sort((a, b) => a.at - b.at).map((r) => r.location);
  const switches = order.filter((l, i) => i > 0 && l !== order[i - 1]).length;
  expect(switches).toBeGreaterThan(order.length / 3);
  for (const location of LOCATIONS) expect(order.filter((l) => l === location)).toHaveLength(1 + 24);
}, 60_000);
