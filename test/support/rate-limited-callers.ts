/** Runs `rate-limited-caller.ts` in several processes: each warms up, then all start together. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

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
