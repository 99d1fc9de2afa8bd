/** Runs `rate-limited-caller.ts` in several processes: each warms up, then all start together. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AppleSimulator, startAppleSimulator } from '../../functions/local/apple-simulator/index.ts';
import { ensureTables } from '../../functions/local/tables.ts';

/** The simulator with one organisation of these locations at `limit` requests per second, and their tokens. */
export async function startRateSimulator(
  locations: readonly string[],
  limit: number,
): Promise<{ sim: AppleSimulator; tokens: string[] }> {
  const sim = await startAppleSimulator({
    quiet: true,
    limits: { maxRequestPerSecond: limit },
    seed: {
      organizations: [
        {
          id: 'rate',
          name: 'Rate School',
          locations: locations.map((id) => ({ id, name: id, assets: [], users: [] })),
        },
      ],
    },
  });
  const tokens = locations.map((l) => sim.snapshot().tokens.find((t) => t.locationId === l)?.content ?? '');
  return { sim, tokens };
}

/** A fresh core table (where the rate slots are) on the DynamoDB Local at `endpoint`. */
export async function rateSlotTable(endpoint: string): Promise<string> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return (await ensureTables(client, `rate${randomUUID().slice(0, 8)}-`)).core;
  } finally {
    client.destroy();
  }
}

/** One process per token, each working on every token, its own first. */
export const everyTokenInEachProcess = (tokens: readonly string[]): string[][] =>
  tokens.map((_, i) => [...tokens.slice(i), ...tokens.slice(0, i)]);

export interface CallersOptions {
  readonly dynamoEndpoint: string;
  readonly table: string;
  readonly baseUrl: string;
  /** One process per entry: its tokens, its own first. */
  readonly processes: readonly (readonly string[])[];
  readonly callsPerToken: number;
  readonly parallel?: number;
}

const waitFor = (child: ChildProcess, word: string, output: { text: string }): Promise<void> =>
  new Promise((done, fail) => {
    const check = () => {
      if (output.text.includes(word)) {
        child.stdout?.off('data', check);
        child.off('exit', exited);
        done();
      }
    };
    const exited = (code: number | null) => fail(new Error(`caller exited (${code}): ${output.text}`));
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });

/** Starts every caller, waits until each is warm, says go, and waits until each is done. */
export async function runRateLimitedCallers(options: CallersOptions): Promise<void> {
  const tsx = resolve('node_modules/.bin/tsx');
  const script = resolve('test/support/rate-limited-caller.ts');
  const children = options.processes.map((tokens) => {
    const child = spawn(tsx, [script], {
      env: {
        ...process.env,
        RATE_DYNAMO_ENDPOINT: options.dynamoEndpoint,
        RATE_TABLE: options.table,
        RATE_BASE_URL: options.baseUrl,
        RATE_TOKENS: JSON.stringify(tokens),
        RATE_CALLS: String(options.callsPerToken),
        RATE_PARALLEL: String(options.parallel ?? 2),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    child.stdout?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
    });
    return { child, output };
  });
  try {
    await Promise.all(children.map(({ child, output }) => waitFor(child, 'warm', output)));
    for (const { child } of children) child.stdin?.write('go\n');
    await Promise.all(children.map(({ child, output }) => waitFor(child, 'done', output)));
  } finally {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  }
}
