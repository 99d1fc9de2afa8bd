/**
 * Local mode runs each queue's worker as Lambda's event source does: up to `WORKER_CONCURRENCY`
 * batches of one queue at once (default `LOCAL_WORKER_CONCURRENCY`), and refuses a value SQS would.
 * The jobs queue takes one message per batch; each sync message stops in the account lookup until the
 * test lets it go, so the batches in hand at once can be counted.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_WORKER_CONCURRENCY } from '../../../functions/local/runtime.ts';
import type { AccountRepository } from '../../../shared/application/ports/account-repository.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

/** An account repository whose `get` holds every caller until released, counting them. */
function heldAccounts() {
  const held: (() => void)[] = [];
  const seen = { arrived: 0, inFlight: 0, most: 0, done: 0 };
  const accounts = {
    get: async () => {
      seen.arrived++;
      seen.inFlight++;
      seen.most = Math.max(seen.most, seen.inFlight);
      await new Promise<void>((release) => held.push(release));
      seen.inFlight--;
      seen.done++;
      return undefined;
    },
  } as Partial<AccountRepository> as AccountRepository;
  return {
    accounts,
    seen,
    releaseOne: () => held.shift()?.(),
    releaseAll: () => {
      for (const release of held.splice(0)) release();
    },
  };
}

let rt: TestRuntime | undefined;
let releaseAll = () => {};
afterEach(async () => {
  releaseAll();
  await rt?.stop();
  rt = undefined;
});

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

describe('local queue workers', () => {
  it.each([
    ['the local default', undefined, LOCAL_WORKER_CONCURRENCY],
    ['a configured value', 3, 3],
  ])('handle %s of batches of one queue at once, never more', async (_name, configured, expected) => {
    // Prepare
    const held = heldAccounts();
    releaseAll = held.releaseAll;
    rt = await startTestRuntime({
      overrides: { accounts: held.accounts },
      ...(configured !== undefined ? { workerConcurrency: configured } : {}),
    });
    const total = expected + 2;

    // Act: more sync messages than the worker may handle at once.
    for (let n = 0; n < total; n++)
      await rt.deps.queue.send('jobs', {
        type: 'sync',
        orgId: 'o1',
        accountId: `a${n}`,
        jobId: `j${n}`,
        full: false,
        scheduled: true,
      });

    // Assess: `expected` held at once; each one let go makes room for exactly one more.
    await waitFor(() => expect(held.seen.inFlight).toBe(expected));
    for (let n = 1; n <= total - expected; n++) {
      held.releaseOne();
      await waitFor(() => expect(held.seen).toMatchObject({ done: n, arrived: expected + n }));
      expect(held.seen.inFlight).toBe(expected);
    }
    held.releaseAll();
    await waitFor(() => expect(held.seen.done).toBe(total));
    await waitFor(async () => expect(await rt?.queueDepth('jobs')).toBe(0));
    expect(held.seen.most).toBe(expected);
  });

  it('refuses a worker concurrency an SQS event source does not take, naming WORKER_CONCURRENCY', async () => {
    await expect(startTestRuntime({ workerConcurrency: 1 })).rejects.toThrow(/WORKER_CONCURRENCY is invalid/);
  });
});
