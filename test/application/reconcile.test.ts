/**
 * Scope reconciliation (SPEC §5.7) in local mode: a deployment scoped to a tag, devices that arrive
 * and get licences, devices that leave and lose them after the grace period, manual grants left alone,
 * the shortage in the plan and the report (with one alert), and a reconciliation with nothing to change
 * that writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { metrics } from '../../functions/lib/powertools.ts';
import type { Clock } from '../../shared/application/ports/clock.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { countWrites } from '../support/write-counter.ts';

let now = new Date('2026-11-26T09:00:00Z');
const clock: Clock = { now: () => now };
let rt: TestRuntime;
const addMetric = vi.spyOn(metrics, 'addMetric');
/** The LicenseShortage figures reported so far (by the hourly run and by every job run). */
const shortageMetric = () =>
  addMetric.mock.calls.filter(([name]) => name === 'LicenseShortage').map((c) => c[2]);
let accountId: string;
const APP = '9000000001';
const SCARCE = '9000000002';
const USER_APP = '9000000003';
const BOOK = '9000000004';
const FEW = '9000000005';
let appleToken: Secret;

const deploymentOf = (adamId: string) => `/v1/accounts/${accountId}/assets/${adamId}/deployment`;
const holders = async (adamId: string) =>
  (await rt.deps.assignments.listByAsset(accountId, adamId, 'STDQ'))
    .filter((a) => a.state === 'granted')
    .map((a) => a.subjectId)
    .sort();

async function devices(list: { serialNumber: string; tags?: string[]; ownerEmail?: string }[]) {
  const answer = await rt.call('PUT', '/v1/devices', {
    body: list.map((d) => ({ networkId: 'net-1', ...d })),
  });
  expect(answer.status).toBe(200);
}

async function settled() {
  // Reconciliations run from the jobs queue; grants through the grants queue and Apple's events, whose
  // notifications (and the counts they re-read) come last.
  await eventually(
    async () => {
      await rt.simulator.settle();
      for (const queue of ['jobs', 'grants', 'revocations', 'events', 'notifications'] as const)
        if ((await rt.queueDepth(queue)) > 0) return false;
      const pending = (await rt.deps.assignments.listByAccount(accountId)).filter(
        (a) => a.state === 'pending-grant' || a.state === 'pending-revoke',
      );
      return pending.length === 0;
    },
    40_000,
    'the reconciliation to settle',
  );
}

beforeAll(async () => {
  rt = await startTestRuntime({ overrides: { clock }, simulator: { seed: 'demo', eventDelayMs: 20 } });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'rec-org',
        name: 'Reconcile District',
        locations: [
          {
            id: 'rec-main',
            name: 'Reconcile Main',
            assets: [
              {
                adamId: APP,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'Lab App',
                totalCount: 100,
                deviceAssignable: true,
              },
              {
                adamId: SCARCE,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'Scarce App',
                totalCount: 5,
                deviceAssignable: true,
              },
              {
                adamId: USER_APP,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'People App',
                totalCount: 20,
                deviceAssignable: false,
              },
              {
                adamId: FEW,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'One Seat App',
                totalCount: 1,
                deviceAssignable: false,
              },
              {
                adamId: BOOK,
                pricingParam: 'STDQ',
                productType: 'Book',
                name: 'A Book',
                totalCount: 20,
                deviceAssignable: false,
              },
            ],
            users: [
              { clientUserId: 'u-owner', email: 'owner@rec.test', status: 'Associated' },
              { clientUserId: 'u-tagged', email: 'tagged@rec.test', status: 'Associated' },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Reconcile', email: 'contact@rec.test', token: seeded.locations[0]?.tokens[0] },
  });
  accountId = created.body.id;
  appleToken = new Secret(seeded.locations[0]?.tokens[0] as string);
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
});
afterAll(async () => {
  await rt?.stop();
});

describe('deployments', () => {
  it('refuses what cannot work, and viewers', async () => {
    const books = await rt.call('PUT', deploymentOf(BOOK), {
      body: { method: 'user', scope: { networks: [], tags: [] }, autoAssign: true, autoRevoke: true },
    });
    expect(books.status).toBe(422);
    expect(books.body.error.code).toBe('asset.irrevocable');
    const toDevices = await rt.call('PUT', deploymentOf(USER_APP), {
      body: { method: 'device', scope: { networks: [], tags: [] }, autoAssign: true, autoRevoke: false },
    });
    expect(toDevices.body.error.code).toBe('deployment.not_device_assignable');
    expect((await rt.call('PUT', deploymentOf(APP), { body: { method: 'tablet' } })).status).toBe(400);
    const viewer = await rt.call('PUT', deploymentOf(APP), {
      as: { org: 'demo', role: 'viewer', email: 'v@demo.test' },
      body: { method: 'device', scope: { networks: [], tags: ['lab'] }, autoAssign: true, autoRevoke: true },
    });
    expect(viewer.status).toBe(403);
    expect((await rt.call('GET', `${deploymentOf(APP)}/plan`)).status).toBe(404);
  });

  it('is another organisation’s and an unlisted admin’s 404, and a viewer reads the plan but may not reconcile', async () => {
    const body = {
      method: 'device',
      scope: { networks: [], tags: ['none'] },
      autoAssign: false,
      autoRevoke: false,
    };
    expect((await rt.call('PUT', deploymentOf(APP), { body })).status).toBe(200);
    const outsiders = [
      { org: 'other-org', role: 'org-admin', email: 'boss@other.test' },
      { org: 'demo', role: 'admin', email: 'not-listed@demo.test' },
    ] as const;
    for (const as of outsiders) {
      expect((await rt.call('PUT', deploymentOf(APP), { as, body })).status).toBe(404);
      expect((await rt.call('GET', `${deploymentOf(APP)}/plan`, { as })).status).toBe(404);
      expect((await rt.call('POST', `${deploymentOf(APP)}/plan`, { as, body })).status).toBe(404);
      expect((await rt.call('POST', `${deploymentOf(APP)}/reconcile`, { as })).status).toBe(404);
      expect((await rt.call('DELETE', deploymentOf(APP), { as })).status).toBe(404);
    }
    const viewer = { org: 'demo', role: 'viewer', email: 'v@demo.test' } as const;
    expect((await rt.call('GET', `${deploymentOf(APP)}/plan`, { as: viewer })).status).toBe(200);
    expect((await rt.call('POST', `${deploymentOf(APP)}/reconcile`, { as: viewer })).status).toBe(403);
    expect((await rt.call('DELETE', deploymentOf(APP))).status).toBe(200);
  });

  it('previews the plan of a draft before it is saved, and saves nothing', async () => {
    await devices([
      { serialNumber: 'DRAFT-1', tags: ['draft'] },
      { serialNumber: 'DRAFT-2', tags: ['draft'] },
    ]);
    const draft = {
      method: 'device',
      scope: { networks: [], tags: [] },
      autoAssign: true,
      autoRevoke: false,
    };
    const preview = await rt.call('POST', `${deploymentOf(APP)}/plan`, { body: draft });
    expect(preview.status).toBe(200);
    expect(preview.body.deployment).toMatchObject({ method: 'device', autoAssign: true });
    expect(preview.body).toMatchObject({ inScope: 2, grant: ['device:DRAFT-1', 'device:DRAFT-2'] });
    expect((await rt.call('GET', `${deploymentOf(APP)}/plan`)).status).toBe(404);
    const refused = await rt.call('POST', `${deploymentOf(USER_APP)}/plan`, { body: draft });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'deployment.not_device_assignable']);
    expect((await rt.call('POST', `${deploymentOf(APP)}/plan`, { body: { method: 'tablet' } })).status).toBe(
      400,
    );
  });

  it('grants to devices that enter the scope', async () => {
    const put = await rt.call('PUT', deploymentOf(APP), {
      body: {
        method: 'device',
        scope: { networks: ['net-1'], tags: ['lab'] },
        autoAssign: true,
        autoRevoke: true,
        revokeGraceHours: 24,
      },
    });
    expect(put.status).toBe(200);
    await devices([
      { serialNumber: 'LAB-1', tags: ['lab'] },
      { serialNumber: 'LAB-2', tags: ['lab', 'math'] },
      { serialNumber: 'LAB-3', tags: ['lab'] },
      { serialNumber: 'OFFICE-1', tags: ['office'] },
    ]);
    await settled();
    expect(await holders(APP)).toEqual(['LAB-1', 'LAB-2', 'LAB-3']);
    const records = await rt.deps.assignments.listByAsset(accountId, APP, 'STDQ');
    expect(records.every((r) => r.source === 'deployment')).toBe(true);
  });

  it('revokes from devices that left the scope only after the grace period, never a manual grant', async () => {
    const manual = await rt.call('POST', `/v1/accounts/${accountId}/assets/${APP}/grants`, {
      body: { serialNumbers: ['OFFICE-1'] },
    });
    expect(manual.status).toBe(202);
    await settled();
    await devices([{ serialNumber: 'LAB-3', tags: [] }]);
    await settled();
    const plan = await rt.call('GET', `${deploymentOf(APP)}/plan`);
    expect(plan.body.inGrace).toEqual([
      { subject: 'device:LAB-3', graceEndsAt: new Date(now.getTime() + 24 * 3_600_000).toISOString() },
    ]);
    expect(plan.body.revoke).toEqual([]);
    expect(await holders(APP)).toContain('LAB-3');

    now = new Date(now.getTime() + 25 * 3_600_000);
    expect((await rt.call('GET', `${deploymentOf(APP)}/plan`)).body.revoke).toEqual([
      expect.objectContaining({ subject: 'device:LAB-3' }),
    ]);
    await rt.fireSchedule('reconcile');
    await settled();
    expect(await holders(APP)).toEqual(['LAB-1', 'LAB-2', 'OFFICE-1']);
  });

  it('writes nothing but its run lease when there is nothing to change', async () => {
    const writes = countWrites(rt.clients.dynamo);
    await rt.fireSchedule('reconcile');
    // The organisation's run lease, taken and given back; no record, asset, job or audit entry.
    expect(writes.byCommand()).toEqual({ PutItemCommand: 1, DeleteItemCommand: 1 });
    writes.reset();
    const job = await rt.call('POST', `${deploymentOf(APP)}/reconcile`);
    expect(job.status).toBe(202);
    await eventually(
      async () => (await rt.call('GET', `/v1/jobs/${job.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'reconcile job',
    );
    // The job's own record (create, start, summary, its count, its final state) and the run lease.
    expect(writes.total()).toBe(7);
  });

  it('reconciles an organisation one run at a time: runs that find it held run after the holder', async () => {
    // Another run holds the organisation (taken here by hand, as a run on another worker would).
    expect(await rt.deps.debouncer.take('reconcile-run:demo', 200)).toBe(true);
    // Every reconcile message the service queues, to see the runs that found the organisation held.
    const queue = rt.deps.queue;
    const send = queue.send.bind(queue);
    const queued: { jobId?: string }[] = [];
    queue.send = (async (name, message, options) => {
      if (name === 'jobs' && (message as { type?: string }).type === 'reconcile')
        queued.push({ ...(message as { jobId?: string }) });
      return send(name, message, options);
    }) as typeof queue.send;
    await devices([{ serialNumber: 'LAB-9', tags: ['lab'] }]);
    const job = await rt.call('POST', `${deploymentOf(APP)}/reconcile`);
    expect(job.status).toBe(202);
    await rt.fireSchedule('reconcile');
    // The hourly run skipped it; the debounced run after the change and the job come back while held:
    // each is queued again (the debounced run once more after the first, the job with its id again).
    await eventually(
      async () =>
        queued.filter((m) => m.jobId === undefined).length >= 2 &&
        queued.filter((m) => m.jobId === job.body.job.id).length >= 2,
      20_000,
      'the debounced run and the job queued again while held',
    );
    queue.send = send;
    expect(await holders(APP)).not.toContain('LAB-9');
    expect((await rt.call('GET', `/v1/jobs/${job.body.job.id}`)).body.state).not.toBe('succeeded');
    await rt.deps.debouncer.release('reconcile-run:demo');
    await eventually(
      async () => (await rt.call('GET', `/v1/jobs/${job.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'the job, once the organisation is free',
    );
    await settled();
    expect(await holders(APP)).toContain('LAB-9');
    expect((await rt.call('DELETE', '/v1/devices/LAB-9')).status).toBe(202);
    await settled();
    expect(await holders(APP)).not.toContain('LAB-9');
  });

  it('grants in a stable order when licences run short, and reports and alerts the shortage once', async () => {
    // Eight devices for an app with five licences, added to the inventory from ART-8 down to ART-1:
    // the oldest in the inventory win, whatever their serial numbers say.
    for (let i = 8; i >= 1; i--) {
      now = new Date(now.getTime() + 60_000);
      await devices([{ serialNumber: `ART-${i}`, tags: ['art'] }]);
    }
    await rt.call('PUT', deploymentOf(SCARCE), {
      body: { method: 'device', scope: { networks: [], tags: ['art'] }, autoAssign: true, autoRevoke: false },
    });
    await settled();
    expect(await holders(SCARCE)).toEqual(['ART-4', 'ART-5', 'ART-6', 'ART-7', 'ART-8']);
    const plan = await rt.call('GET', `${deploymentOf(SCARCE)}/plan`);
    expect(plan.body).toMatchObject({
      inScope: 8,
      freeLicenses: 0,
      grant: [],
      shortage: { count: 3, subjects: ['device:ART-3', 'device:ART-2', 'device:ART-1'] },
    });
    const report = await rt.call('GET', '/v1/reports/licenses');
    expect(report.body.items.find((r: { adamId: string }) => r.adamId === SCARCE)).toMatchObject({
      total: 5,
      assigned: 5,
      available: 0,
      pending: 0,
      inScope: 8,
      shortage: 3,
    });
    const csv = await fetch(`${rt.apiUrl}/v1/reports/licenses?format=csv`, {
      headers: {
        authorization: `Bearer ${await rt.token({ org: 'demo', role: 'viewer', email: 'v@demo.test' })}`,
      },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'accountId,accountName,adamId,pricingParam,name,productType,deviceAssignable,revocable,total,assigned,available,pending,inScope,shortage',
    );
    expect(lines.find((l) => l.includes(SCARCE))).toContain(',App,true,true,5,5,0,0,8,3');
    await rt.fireSchedule('reconcile');
    await rt.fireSchedule('reconcile');
    // The same subjects keep their licences run after run.
    expect(await holders(SCARCE)).toEqual(['ART-4', 'ART-5', 'ART-6', 'ART-7', 'ART-8']);
    const alerts = async () => (await rt.outbox()).filter((m) => m.subject.includes('short'));
    expect(await alerts()).toHaveLength(1);
    expect((await alerts())[0]?.destination.to).toEqual(['contact@rec.test']);
    expect((await alerts())[0]?.body.text).toContain('3 more licences');
    expect(shortageMetric()).toContain(3);

    // Licences bought at Apple: Apple's ASSET_COUNT itself asks for a reconciliation (no schedule
    // runs here), and the shortage is resolved...
    rt.simulator.purchase('rec-main', { adamId: SCARCE, pricingParam: 'STDQ' }, 3);
    await eventually(async () => (await holders(SCARCE)).length === 8, 30_000, 'the bought licences granted');
    await settled();
    expect(await holders(SCARCE)).toHaveLength(8);
    expect((await rt.deps.deployments.get(accountId, SCARCE, 'STDQ'))?.shortage).toBeUndefined();
    // ...and a new one is alerted again.
    await devices([{ serialNumber: 'ART-9', tags: ['art'] }]);
    await settled();
    await eventually(async () => (await alerts()).length === 2, 20_000, 'the second shortage alert');
    expect(
      (await alerts()).map((m) => m.body.text?.match(/needs (\d+ more licences?) than/)?.[1]).sort(),
    ).toEqual(['1 more licence', '3 more licences']);
  });

  it('deploys to users who own an in-scope device or carry a scope tag', async () => {
    await devices([{ serialNumber: 'OWNED-1', tags: ['people'], ownerEmail: 'owner@rec.test' }]);
    await rt.call('PUT', deploymentOf(USER_APP), {
      body: { method: 'user', scope: { networks: [], tags: ['people'] }, autoAssign: true, autoRevoke: true },
    });
    await settled();
    expect(await holders(USER_APP)).toEqual(['u-owner']);
    // A tag given through the API: the debounced reconciliation after the change grants, no schedule.
    const tagged = await rt.call('PATCH', `/v1/accounts/${accountId}/users/u-tagged`, {
      body: { tags: ['people'] },
    });
    expect(tagged.status).toBe(200);
    await eventually(
      async () => (await holders(USER_APP)).includes('u-tagged'),
      20_000,
      'the reconciliation after the user change',
    );
    await settled();
    expect(await holders(USER_APP)).toEqual(['u-owner', 'u-tagged']);
  });

  it('runs once, after a debounce, for a burst of inventory changes', async () => {
    await rt.call('PUT', deploymentOf(APP), {
      body: {
        method: 'device',
        scope: { networks: [], tags: ['burst'] },
        autoAssign: true,
        autoRevoke: false,
      },
    });
    await settled();
    const runs = async () =>
      (await rt.deps.audit.list('demo', { limit: 200 })).items.filter(
        (e) => e.action === 'deployment.reconciled' && e.target === `asset:${accountId}/${APP}`,
      );
    const before = (await runs()).length;
    await Promise.all(
      ['BURST-1', 'BURST-2', 'BURST-3'].map((serialNumber) => devices([{ serialNumber, tags: ['burst'] }])),
    );
    await eventually(async () => (await holders(APP)).includes('BURST-3'), 20_000, 'the burst granted');
    await settled();
    const after = await runs();
    expect(after.length - before).toBe(1);
    expect(after[0]).toMatchObject({
      actor: { type: 'system', id: 'reconcile-after-change' },
      details: { granted: 3 },
    });
  });

  it('leaves holders alone when the deployment is removed', async () => {
    const before = await holders(APP);
    expect(before).toEqual(['BURST-1', 'BURST-2', 'BURST-3', 'LAB-1', 'LAB-2', 'OFFICE-1']);
    const removed = await rt.call('DELETE', deploymentOf(APP));
    expect(removed.body).toEqual({ removed: true });
    await devices([{ serialNumber: 'BURST-1', tags: [] }]);
    await rt.fireSchedule('reconcile');
    await settled();
    expect(await holders(APP)).toEqual(before);
  });

  it('gives a licence Apple freed by retiring its holder to the next user after the sync that finds it, with no schedule', async () => {
    // One licence, two users in scope (both tagged `people` by the first test): one wins, one waits.
    await rt.call('PUT', deploymentOf(FEW), {
      body: { method: 'user', scope: { networks: [], tags: ['people'] }, autoAssign: true, autoRevoke: true },
    });
    await eventually(async () => (await holders(FEW)).length === 1, 20_000, 'the one licence granted');
    await settled();
    const [winner] = await holders(FEW);
    const waiting = winner === 'u-owner' ? 'u-tagged' : 'u-owner';
    // Another tool retires the winner at Apple while every notification is lost: only a sync sees it.
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    await rt.deps.vpp.retireUsers(appleToken, [{ clientUserId: winner as string }]);
    await rt.simulator.settle();
    rt.simulator.clearFaults();
    expect((await rt.deps.users.get(accountId, winner as string))?.status).toBe('Associated');
    const sync = await rt.call('POST', `/v1/accounts/${accountId}/sync?full=true`);
    expect(sync.status).toBe(202);
    await eventually(
      async () => (await rt.deps.users.get(accountId, winner as string))?.status === 'Retired',
      30_000,
      'the sync to find the retirement',
    );
    // The sync's status change asks for a reconciliation (debounced), which grants the freed licence.
    await eventually(async () => (await holders(FEW)).includes(waiting), 30_000, 'the freed licence granted');
    await settled();
    expect(await holders(FEW)).toEqual([waiting]);
  });
});
