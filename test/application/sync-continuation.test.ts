/**
 * A sync that cannot finish in one invocation (issue 16) on the local engines: the jobs worker is given
 * no more time than the sync keeps in hand (`SYNC_TIME_RESERVE_MS`), so every invocation reads one page,
 * leaves its checkpoint and sends the sync on through the jobs queue. The sync still ends with our
 * records equal to Apple's, each page of Apple's read once and one checkpoint per page.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYNC_TIME_RESERVE_MS } from '../../shared/application/sync/run-sync-job.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
const LOCATION = 'paged-main';
const PAGE = 10;
const USERS = 25;
const ASSETS = 3;
const PER_ASSET = 20;

beforeAll(async () => {
  rt = await startTestRuntime({
    simulator: { pageSize: PAGE, seed: 'demo' },
    functionTimeoutSeconds: { 'job-worker': SYNC_TIME_RESERVE_MS / 1000 },
  });
});
afterAll(async () => {
  await rt?.stop();
});

it('continues from its checkpoints, one invocation a page, to the state of Apple', async () => {
  // Prepare: a location of several pages of users and assignments.
  const assets = Array.from({ length: ASSETS }, (_, i) => ({
    adamId: String(3_000_000_001 + i),
    pricingParam: 'STDQ' as const,
    productType: 'App' as const,
    name: `Paged App ${i}`,
    totalCount: 100,
    deviceAssignable: true,
  }));
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'paged-org',
        name: 'Paged Schools',
        locations: [
          {
            id: LOCATION,
            name: 'Paged Main',
            assets,
            users: Array.from({ length: USERS }, (_, i) => ({
              clientUserId: `paged-user-${i}`,
              email: `p${i}@paged.test`,
              status: 'Associated' as const,
            })),
            assignments: assets.flatMap((a) =>
              Array.from({ length: PER_ASSET }, (_, i) => ({
                adamId: a.adamId,
                pricingParam: a.pricingParam,
                serialNumber: `PG${a.adamId}-${i}`,
              })),
            ),
          },
        ],
      },
    ],
  });
  const token = seeded.locations.find((l) => l.id === LOCATION)?.tokens[0] ?? '';
  rt.simulator.resetRequests();

  // Act: adding the account starts its first (full) sync.
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Paged', email: 'paged@demo.test', token },
  });
  expect(created.status).toBe(201);
  const accountId = created.body.id as string;
  const jobId = created.body.syncJob.id as string;
  const job = await eventually(
    async () => {
      const found = (await rt.call('GET', `/v1/jobs/${jobId}`)).body;
      return found.state === 'succeeded' || found.state === 'failed' ? found : undefined;
    },
    60_000,
    'the paged sync',
  );

  // Assess: the same as Apple, every page read once, one checkpoint (one invocation) per page.
  expect(job.state).toBe('succeeded');
  const holdings = (await rt.deps.assignments.listByAccount(accountId)).filter((r) => r.state === 'granted');
  expect(holdings).toHaveLength(ASSETS * PER_ASSET);
  expect(await rt.deps.users.listByAccount(accountId)).toHaveLength(USERS);
  const requests = rt.simulator.requests().filter((r) => r.location === LOCATION);
  const count = (endpoint: string) => requests.filter((r) => r.endpoint === endpoint).length;
  const userPages = Math.ceil(USERS / PAGE);
  const assignmentPages = Math.ceil((ASSETS * PER_ASSET) / PAGE);
  expect(count('GET users')).toBe(userPages);
  expect(count('GET assignments')).toBe(assignmentPages);
  let checkpoints = 0;
  for await (const _ of rt.deps.syncStates.checkpoints(accountId, jobId)) checkpoints++;
  // Users, assets, assignments, then one page of our records (the search for removals).
  expect(checkpoints).toBe(userPages + 1 + assignmentPages + 1);
  expect(job.summary.drift.assignments).toMatchObject({ foundAtApple: ASSETS * PER_ASSET, goneAtApple: 0 });
});
