/**
 * Deployments through the API (manage-deployments.ts), the reconcile job (run-reconcile.ts) and the
 * licence report (license-report.ts): what a deployment may be, who may change or read it, the
 * debounced reconciliation a change asks for, a run that waits for the one holding the organisation.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { licenseReport, toCsv } from '../../../../shared/application/deployments/license-report.ts';
import {
  getPlan,
  previewPlan,
  putDeployment,
  removeDeployment,
  requestReconcile,
  scheduleReconciliation,
} from '../../../../shared/application/deployments/manage-deployments.ts';
import { runReconcileJob } from '../../../../shared/application/deployments/run-reconcile.ts';
import { getJob } from '../../../../shared/application/jobs/read-jobs.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ForbiddenError, NotFoundError, RuleViolationError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenDeployment,
  givenDevices,
  givenHoldings,
  givenJob,
  listedAdmin,
  orgAdmin,
  otherAdmin,
  viewer,
} from '../../support/world.ts';

const ADAM = '361309726';
let deps: FakeDeps;
let account: Account;
const body = {
  accountId: 'account-1',
  adamId: ADAM,
  method: 'device' as const,
  scope: { networks: ['net-1', 'net-1'], tags: ['students'] },
  autoAssign: true,
  autoRevoke: true,
  revokeGraceHours: 48,
};

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account);
});

describe('putDeployment', () => {
  it('writes the deployment, records it, and queues a reconciliation of it after the debounce, as the job it answers', async () => {
    const view = await putDeployment(deps, listedAdmin, body);
    expect(view).toMatchObject({
      adamId: ADAM,
      scope: { networks: ['net-1'], tags: ['students'] },
      updatedBy: listedAdmin.email,
    });
    expect(view).not.toHaveProperty('orgId');
    expect(await deps.deployments.get(account.id, ADAM, 'STDQ')).toMatchObject({ revokeGraceHours: 48 });
    expect(deps.audit.actions('deployment.created')).toHaveLength(1);
    const delaySeconds = deps.settings.reconcileDebounceSeconds;
    const due = new Date(deps.clock.now().getTime() + delaySeconds * 1000).toISOString();
    const jobId = String(view.reconcileJob?.id);
    expect(view.reconcileJob).toMatchObject({
      type: 'reconciliation',
      accountId: account.id,
      state: 'queued',
      waitingFor: { kind: 'debounce', nextCheckAt: due },
    });
    expect(deps.queue.sent).toEqual([
      {
        queue: 'jobs',
        message: {
          type: 'reconcile',
          orgId: account.orgId,
          jobId,
          accountId: account.id,
          adamId: ADAM,
          pricingParam: 'STDQ',
          debounceKey: `reconcile:${account.orgId}:${account.id}:${ADAM}:STDQ`,
        },
        delaySeconds,
      },
    ]);
    // The job as GET /v1/jobs/{id} reads it: waiting for the debounce, then for the queue once it is due.
    expect((await getJob(deps, listedAdmin, jobId)).waitingFor).toEqual({
      kind: 'debounce',
      nextCheckAt: due,
    });
    deps.clock.advance({ seconds: delaySeconds });
    expect((await getJob(deps, listedAdmin, jobId)).waitingFor).toEqual({ kind: 'queue' });
  });

  it('answers no job for a change that joins the reconciliation already waiting, and a new one once it ran', async () => {
    const first = await putDeployment(deps, listedAdmin, body);
    const again = await putDeployment(deps, listedAdmin, { ...body, autoRevoke: false });
    expect(again).not.toHaveProperty('reconcileJob');
    expect(deps.queue.messages('jobs')).toHaveLength(1);
    const [message] = deps.queue.messages('jobs');
    if (message?.type !== 'reconcile') throw new Error('no reconcile message');
    await runReconcileJob(deps, message);
    expect(await deps.jobs.get(String(first.reconcileJob?.id))).toMatchObject({ state: 'succeeded' });
    const third = await putDeployment(deps, listedAdmin, body);
    expect(third.reconcileJob?.id).not.toBe(first.reconcileJob?.id);
  });

  it('keeps its creation time and its shortage alert when it is changed', async () => {
    await givenDeployment(deps, account, {
      createdAt: '2026-01-01T00:00:00.000Z',
      shortage: { count: 2, alertedAt: '2026-02-01T00:00:00.000Z' },
    });
    await putDeployment(deps, orgAdmin, { ...body, autoRevoke: false });
    expect(await deps.deployments.get(account.id, ADAM, 'STDQ')).toMatchObject({
      createdAt: '2026-01-01T00:00:00.000Z',
      shortage: { count: 2 },
      autoRevoke: false,
      updatedAt: deps.clock.iso(),
    });
    expect(deps.audit.actions('deployment.updated')).toHaveLength(1);
  });

  it('refuses devices for a user-only asset, and autoRevoke for a book', async () => {
    givenAsset(deps, account, {
      adamId: 'book',
      productType: 'Book',
      revocable: false,
      deviceAssignable: false,
    });
    await expect(putDeployment(deps, orgAdmin, { ...body, adamId: 'book' })).rejects.toMatchObject({
      code: 'deployment.not_device_assignable',
    });
    const refused = putDeployment(deps, orgAdmin, { ...body, adamId: 'book', method: 'user' });
    await expect(refused).rejects.toBeInstanceOf(RuleViolationError);
    await expect(refused).rejects.toMatchObject({ code: 'asset.irrevocable' });
    await expect(
      putDeployment(deps, orgAdmin, { ...body, adamId: 'book', method: 'user', autoRevoke: false }),
    ).resolves.toBeDefined();
  });

  it('is refused to viewers (403) and to admins the account does not list (404)', async () => {
    await expect(putDeployment(deps, viewer, body)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(putDeployment(deps, otherAdmin, body)).rejects.toBeInstanceOf(NotFoundError);
    expect(await deps.deployments.list()).toEqual([]);
  });
});

describe('scheduleReconciliation', () => {
  it('queues one run for a burst of changes, and another once that run released the key', async () => {
    for (let i = 0; i < 5; i++) await scheduleReconciliation(deps, account.orgId);
    expect(deps.queue.messages('jobs')).toHaveLength(1);
    await deps.debouncer.release(`reconcile:${account.orgId}`);
    await scheduleReconciliation(deps, account.orgId);
    expect(deps.queue.messages('jobs')).toHaveLength(2);
  });
});

describe('removeDeployment and getPlan', () => {
  it('leaves the holders their licences when the deployment goes, and 404s one that is not there', async () => {
    await givenDeployment(deps, account);
    givenHoldings(deps, account, { subjectId: 'A', source: 'deployment' });
    expect(await removeDeployment(deps, orgAdmin, account.id, ADAM)).toEqual({ removed: true });
    expect(await deps.deployments.get(account.id, ADAM, 'STDQ')).toBeUndefined();
    expect((await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'A'))?.state).toBe('granted');
    expect(deps.queue.messages('revocations')).toEqual([]);
    await expect(removeDeployment(deps, orgAdmin, account.id, ADAM)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('shows a viewer the plan (a dry run that writes nothing): grants, grace periods and the shortage', async () => {
    givenAsset(deps, account, { availableCount: 1 });
    await givenDeployment(deps, account, {
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 24,
    });
    await givenDevices(
      deps,
      { serialNumber: 'A', tags: ['students'] },
      { serialNumber: 'B', tags: ['students'] },
      { serialNumber: 'GONE', tags: [] },
    );
    givenHoldings(deps, account, { subjectId: 'GONE', source: 'deployment' });
    const plan = await getPlan(deps, viewer, account.id, ADAM);
    expect(plan).toMatchObject({
      inScope: 2,
      freeLicenses: 1,
      grant: ['device:A'],
      revoke: [],
      inGrace: [{ subject: 'device:GONE', graceEndsAt: '2026-03-03T09:00:00.000Z' }],
      shortage: { count: 1, subjects: ['device:B'] },
    });
    expect(deps.queue.sent).toEqual([]);
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'device', 'GONE')).not.toHaveProperty(
      'outOfScopeSince',
    );
  });
});

describe('previewPlan', () => {
  it('plans the deployment the body would make before it is saved, and writes nothing', async () => {
    givenAsset(deps, account, { availableCount: 1 });
    await givenDeployment(deps, account, { scope: { networks: [], tags: ['staff'] }, autoRevoke: false });
    await givenDevices(
      deps,
      { serialNumber: 'A', tags: ['students'] },
      { serialNumber: 'B', tags: ['students'] },
      { serialNumber: 'C', tags: ['staff'] },
    );
    givenHoldings(deps, account, { subjectId: 'C', source: 'deployment' });
    const saved = await deps.deployments.get(account.id, ADAM, 'STDQ');
    const draft = { ...body, scope: { networks: [], tags: ['students'] }, revokeGraceHours: 0 };
    const plan = await previewPlan(deps, viewer, draft);
    expect(plan).toMatchObject({
      deployment: { scope: { networks: [], tags: ['students'] }, autoRevoke: true },
      inScope: 2,
      freeLicenses: 1,
      grant: ['device:A'],
      revoke: [{ subject: 'device:C' }],
      shortage: { count: 1, subjects: ['device:B'] },
    });
    // The saved deployment's own plan is another: staff only, nothing taken back.
    expect(await getPlan(deps, viewer, account.id, ADAM)).toMatchObject({
      inScope: 1,
      grant: [],
      revoke: [],
    });
    expect(await deps.deployments.get(account.id, ADAM, 'STDQ')).toEqual(saved);
    expect(deps.queue.sent).toEqual([]);
    expect(deps.audit.actions('deployment.updated')).toEqual([]);
  });

  it("refuses a draft the asset's rules refuse, as a put would, and hides an account the admin is not listed on", async () => {
    givenAsset(deps, account, {
      adamId: 'book',
      productType: 'Book',
      revocable: false,
      deviceAssignable: false,
    });
    await expect(previewPlan(deps, viewer, { ...body, adamId: 'book' })).rejects.toMatchObject({
      code: 'deployment.not_device_assignable',
    });
    await expect(
      previewPlan(deps, viewer, { ...body, adamId: 'book', method: 'user' }),
    ).rejects.toMatchObject({ code: 'asset.irrevocable' });
    await expect(previewPlan(deps, otherAdmin, body)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('requestReconcile and runReconcileJob', () => {
  it('reconciles one deployment as a job that ends with what was done', async () => {
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' });
    const { job, rejected } = await requestReconcile(deps, listedAdmin, account.id, ADAM);
    expect(job).toMatchObject({ type: 'reconciliation', state: 'queued', requested: 1 });
    expect(rejected).toEqual([]);
    await expect(requestReconcile(deps, viewer, account.id, ADAM)).rejects.toBeInstanceOf(ForbiddenError);
    const [message] = deps.queue.take('jobs');
    if (message?.message.type !== 'reconcile') throw new Error('no reconcile message');
    const result = await runReconcileJob(deps, message.message);
    expect(result.granted).toBe(1);
    expect(await deps.jobs.get(job.id)).toMatchObject({
      state: 'succeeded',
      summary: { granted: 1, revoked: 0, shortage: 0 },
    });
  });

  it('waits for the run that holds the organisation: a job comes back later, a debounced run is asked for again', async () => {
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' });
    await givenJob(deps, { id: 'job-r', type: 'reconciliation', requested: 1 });
    await deps.debouncer.take(`reconcile-run:${account.orgId}`, 200);
    const withJob = { type: 'reconcile' as const, orgId: account.orgId, jobId: 'job-r' };
    await runReconcileJob(deps, withJob);
    expect(deps.queue.take('jobs')).toEqual([
      { queue: 'jobs', message: withJob, delaySeconds: deps.settings.reconcileDebounceSeconds },
    ]);
    expect((await deps.jobs.get('job-r'))?.state).toBe('running');
    await runReconcileJob(deps, {
      type: 'reconcile',
      orgId: account.orgId,
      debounceKey: `reconcile:${account.orgId}`,
    });
    expect(deps.queue.take('jobs')).toMatchObject([
      { message: { debounceKey: `reconcile:${account.orgId}` } },
    ]);
    expect(deps.queue.messages('grants')).toEqual([]);
  });

  it('releases the debounce key first, so a change during the run asks for another', async () => {
    await scheduleReconciliation(deps, account.orgId);
    const [queued] = deps.queue.take('jobs');
    if (queued?.message.type !== 'reconcile') throw new Error('no reconcile message');
    await runReconcileJob(deps, queued.message);
    await scheduleReconciliation(deps, account.orgId);
    expect(deps.queue.messages('jobs')).toHaveLength(1);
  });
});

describe('licenseReport', () => {
  it('lists each asset of the accounts the caller may read, with its kind and the scope and shortage the plan gives', async () => {
    givenAsset(deps, account, { availableCount: 1, assignedCount: 3, totalCount: 4 });
    givenAsset(deps, account, {
      adamId: 'free',
      productType: 'Book',
      deviceAssignable: false,
      revocable: false,
      unlimited: true,
      totalCount: 2_147_483_647,
      name: '=HYPERLINK("x")',
    });
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' }, { serialNumber: 'B' });
    const hidden = await givenAccount(deps, { id: 'account-2', allowedAdmins: [] });
    givenAsset(deps, hidden);
    const rows = await licenseReport(deps, listedAdmin);
    expect(rows.map((r) => `${r.accountId}/${r.adamId}`)).toEqual(['account-1/361309726', 'account-1/free']);
    expect(rows[0]).toMatchObject({
      productType: 'App',
      deviceAssignable: true,
      revocable: true,
      total: 4,
      assigned: 3,
      available: 1,
      inScope: 2,
      shortage: 1,
    });
    expect(rows[1]).toMatchObject({
      productType: 'Book',
      deviceAssignable: false,
      revocable: false,
      total: null,
      available: null,
      inScope: null,
      shortage: 0,
    });
    expect((await licenseReport(deps, orgAdmin)).length).toBe(3);
    const csv = toCsv(rows);
    expect(csv.split('\r\n')[0]).toBe(
      'accountId,accountName,adamId,pricingParam,name,productType,deviceAssignable,revocable,total,assigned,available,pending,inScope,shortage',
    );
    expect(csv.split('\r\n')[1]).toBe('account-1,Main Office,361309726,STDQ,Pages,App,true,true,4,3,1,0,2,1');
    // A cell a spreadsheet would run as a formula is defused.
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
