/**
 * Syncing an account with Apple (sync-account.ts), the sync job (run-sync-job.ts) and the nightly
 * schedule (schedule-syncs.ts): Apple is the truth for who holds what, but operations in flight are
 * never touched; removals only from a full, stable read; a sync with nothing new writes only its record
 * and leaves no job; faults that may pass are retried through the queue.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toAssetView } from '../../../../shared/application/assets/asset-view.ts';
import type { ResponseAsset } from '../../../../shared/application/ports/vpp-schemas.ts';
import { RetryLaterError } from '../../../../shared/application/retry-later.ts';
import { runSyncJob } from '../../../../shared/application/sync/run-sync-job.ts';
import { scheduleSyncs } from '../../../../shared/application/sync/schedule-syncs.ts';
import { driftFound, syncAccount } from '../../../../shared/application/sync/sync-account.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { Actor } from '../../../../shared/domain/principal.ts';
import { appleRefusal, type FakeDeps, fakeDeps, vppFault } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenDeployment,
  givenHoldings,
  givenJob,
  givenUsers,
  must,
} from '../../support/world.ts';

const actor: Actor = { type: 'system', id: 'sync' };
const ADAM = '361309726';
let deps: FakeDeps;
let account: Account;

const appleAsset = (over: Partial<ResponseAsset> = {}): ResponseAsset => ({
  adamId: ADAM,
  pricingParam: 'STDQ',
  productType: 'App',
  assignedCount: 1,
  availableCount: 9,
  retiredCount: 0,
  totalCount: 10,
  deviceAssignable: true,
  revocable: true,
  supportedPlatforms: ['iOS'],
  ...over,
});
const holding = (serialNumber: string) => ({ adamId: ADAM, pricingParam: 'STDQ' as const, serialNumber });
const record = (serial: string) => deps.assignments.get(account.id, ADAM, 'STDQ', 'device', serial);
/** A sync record as a recent full sync leaves it. */
const synced = (over = {}) =>
  deps.syncStates.put({
    accountId: account.id,
    usersVersionId: 'u-v1',
    assignmentsVersionId: 'a-v1',
    lastSyncAt: deps.clock.iso(),
    lastFullSyncAt: deps.clock.iso(),
    counts: { assignments: 1 },
    ...over,
  });

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('syncAccount: the first sync', () => {
  it('copies users, assets (named by the metadata lookup) and holdings, and records where it stopped', async () => {
    // Prepare: Apple's side
    deps.vpp.users = [
      { clientUserId: 'u1', email: 'Ana@Example.test', status: 'Registered', inviteCode: 'C1' },
      { clientUserId: 'u2', status: 'Associated' },
    ];
    deps.vpp.assets = [
      appleAsset(),
      appleAsset({ adamId: 'book', productType: 'Book', revocable: true, deviceAssignable: true }),
    ];
    deps.vpp.assignments = [holding('A'), { adamId: ADAM, pricingParam: 'STDQ', clientUserId: 'u2' }];
    deps.vpp.metadata.set(ADAM, { adamId: ADAM, name: 'Pages', iconUrl: 'https://icon.test/pages.png' });
    deps.vpp.versionId = 'v7';
    // Act
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    // Assess
    expect(report).toMatchObject({
      full: true,
      users: { added: 2, updated: 0 },
      assets: { added: 2, updated: 0, removed: 0, countsInconsistent: [] },
      assignments: { foundAtApple: 2, goneAtApple: 0, inFlightLeftAlone: 0 },
      unstableRead: false,
    });
    expect(driftFound(report)).toBe(true);
    expect(await deps.users.get(account.id, 'u1')).toMatchObject({
      email: 'ana@example.test',
      status: 'Invited',
      source: 'apple',
      inviteCode: 'C1',
    });
    expect(await deps.users.get(account.id, 'u2')).toMatchObject({ status: 'Associated' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      name: 'Pages',
      iconUrl: 'https://icon.test/pages.png',
      availableCount: 9,
      pendingCount: 0,
    });
    // Books are never revocable nor device-assignable, whatever a field says.
    expect(await deps.assets.get(account.id, 'book', 'STDQ')).toMatchObject({
      revocable: false,
      deviceAssignable: false,
    });
    expect(await record('A')).toMatchObject({ state: 'granted', source: 'apple' });
    expect(await deps.syncStates.get(account.id)).toMatchObject({
      usersVersionId: 'v7',
      assignmentsVersionId: 'v7',
      lastSyncAt: deps.clock.iso(),
      lastFullSyncAt: deps.clock.iso(),
      counts: { assignments: 2 },
    });
    // The account's counts are the summaries, right after the sync.
    expect(await deps.assets.totals(account.id)).toEqual({
      assets: 2,
      licenses: { total: 20, assigned: 2, available: 18 },
    });
    expect(await deps.users.countNotRetired(account.id)).toBe(2);
  });

  it('goes on without names when the metadata lookup fails', async () => {
    deps.vpp.assets = [appleAsset()];
    deps.vpp.fail('contentMetadata', vppFault('network'));
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.metadataLookupFailed).toBe(true);
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ availableCount: 9 });
  });
});

describe('syncAccount: later syncs', () => {
  beforeEach(async () => {
    givenAsset(deps, account, { availableCount: 9, assignedCount: 1, name: 'Pages', holderCount: 1 });
    givenHoldings(deps, account, { subjectId: 'A', source: 'manual' });
    deps.vpp.assets = [appleAsset()];
    deps.vpp.assignments = [holding('A')];
    await synced();
  });

  it('reads incrementally from where it stopped and, with nothing new, writes only its record', async () => {
    const before = JSON.stringify([
      await deps.assets.listByAccount(account.id),
      await deps.assignments.listByAccount(account.id),
    ]);
    deps.clock.advance({ hours: 1 });
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(driftFound(report)).toBe(false);
    expect(report.full).toBe(false);
    expect(deps.vpp.callsOf('assignmentPages')[0]?.args[0]).toEqual({ sinceVersionId: 'a-v1' });
    expect(deps.vpp.callsOf('userPages')[0]?.args[0]).toEqual({ sinceVersionId: 'u-v1' });
    expect(deps.vpp.callsOf('contentMetadata')).toEqual([]);
    expect(
      JSON.stringify([
        await deps.assets.listByAccount(account.id),
        await deps.assignments.listByAccount(account.id),
      ]),
    ).toBe(before);
    expect(await deps.syncStates.get(account.id)).toMatchObject({
      lastSyncAt: deps.clock.iso(),
      counts: { assignments: 1 },
    });
    expect(deps.audit.entries()).toEqual([]);
  });

  it('finds a holding made elsewhere incrementally, and a removal by the counts or a full pass', async () => {
    deps.vpp.assignmentsSince = [holding('NEW')];
    deps.vpp.assignments = [holding('NEW')];
    // Apple's count still says 2 (a count read before the removal): the counts show no drift.
    deps.vpp.assets = [appleAsset({ assignedCount: 2, availableCount: 8 })];
    const incremental = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(incremental.assignments).toMatchObject({ foundAtApple: 1, goneAtApple: 0, reread: [] });
    expect(await record('NEW')).toMatchObject({ state: 'granted', source: 'apple' });
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 2 });
    const full = await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
    expect(full.assignments).toMatchObject({ foundAtApple: 0, goneAtApple: 1 });
    expect(await record('A')).toMatchObject({ state: 'revoked', source: 'manual' });
    // A full pass counts the holders afresh.
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 1 });
  });

  it('falls back to a full pass when Apple no longer knows the version (9721)', async () => {
    deps.vpp.assignmentsSince = 'unknown';
    deps.vpp.assignments = [];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assignments.goneAtApple).toBe(1);
  });

  it('runs full once the last full pass is a week old', async () => {
    deps.clock.advance({ days: 7 });
    deps.vpp.assignments = [];
    expect((await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() })).full).toBe(
      true,
    );
  });

  it('marks nothing gone after a full read that kept changing, and leaves no full pass on record', async () => {
    // Two pages, the second of another version than the first.
    deps.vpp.assignments = [holding('B'), holding('C')];
    deps.vpp.pageSize = 1;
    deps.vpp.consistent = false;
    const report = await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
    expect(report).toMatchObject({ unstableRead: true, assignments: { goneAtApple: 0 } });
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect((await deps.syncStates.get(account.id))?.lastFullSyncAt).toBeUndefined();
    // The next sync runs full again, and repairs.
    deps.vpp.consistent = true;
    const next = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(next).toMatchObject({ full: true, assignments: { goneAtApple: 1 } });
  });

  it('never touches an operation in flight, whatever Apple says of it', async () => {
    givenHoldings(
      deps,
      account,
      { subjectId: 'GRANTING', state: 'pending-grant', jobId: 'j', eventId: 'e1' },
      { subjectId: 'REVOKING', state: 'pending-revoke', jobId: 'j', eventId: 'e2' },
    );
    deps.vpp.assignments = [holding('A'), holding('GRANTING')];
    const report = await syncAccount(deps, account, { full: true, actor, jobId: deps.ids.newId() });
    expect(report.assignments).toMatchObject({ inFlightLeftAlone: 1, goneAtApple: 0 });
    expect(await record('GRANTING')).toMatchObject({ state: 'pending-grant', eventId: 'e1' });
    expect(await record('REVOKING')).toMatchObject({ state: 'pending-revoke', eventId: 'e2' });
  });

  it("copies Apple's new counts, keeps the reservation, and removes an asset Apple no longer lists", async () => {
    deps.assets.seed({ ...must(await deps.assets.get(account.id, ADAM, 'STDQ')), pendingCount: 2 });
    givenAsset(deps, account, { adamId: 'refunded' });
    deps.vpp.assets = [appleAsset({ availableCount: 4, assignedCount: 6 })];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assets).toEqual({ added: 0, updated: 1, removed: 1, countsInconsistent: [] });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({
      availableCount: 4,
      assignedCount: 6,
      pendingCount: 2,
      name: 'Pages',
    });
    expect(await deps.assets.get(account.id, 'refunded', 'STDQ')).toBeUndefined();
  });

  it('asks for a reconciliation when it finds more licences for an asset whose deployment assigns by itself', async () => {
    const reconciles = () => deps.queue.messages('jobs').filter((m) => m.type === 'reconcile');
    givenAsset(deps, account, { totalCount: 10, assignedCount: 10, availableCount: 0 });
    await givenDeployment(deps, account, { autoAssign: true });
    deps.vpp.assets = [appleAsset({ totalCount: 10, assignedCount: 10, availableCount: 0 })];
    await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(reconciles()).toEqual([]);
    deps.vpp.assets = [appleAsset({ totalCount: 15, assignedCount: 10, availableCount: 5 })];
    await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(reconciles()).toEqual([
      { type: 'reconcile', orgId: account.orgId, debounceKey: `reconcile:${account.orgId}` },
    ]);
    // The same counts an hour later: nothing new arrived.
    deps.clock.advance({ hours: 1 });
    await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(reconciles()).toHaveLength(1);
  });

  it('keeps counts that do not add up as Apple said them, reports them, and promises no more than total − assigned', async () => {
    // Apple: 10 in all, 8 assigned, yet 5 available (8 + 5 ≠ 10); an unlimited asset never counts as such.
    deps.vpp.assets = [
      appleAsset({ totalCount: 10, assignedCount: 8, availableCount: 5 }),
      appleAsset({ adamId: 'free', totalCount: 2_147_483_647, assignedCount: 3, availableCount: 0 }),
    ];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assets.countsInconsistent).toEqual([{ adamId: ADAM, pricingParam: 'STDQ' }]);
    const stored = must(await deps.assets.get(account.id, ADAM, 'STDQ'));
    expect(stored).toMatchObject({ totalCount: 10, assignedCount: 8, availableCount: 5 });
    expect(toAssetView(stored).countsConsistent).toBe(false);
    expect(toAssetView(must(await deps.assets.get(account.id, 'free', 'STDQ'))).countsConsistent).toBe(true);
    expect(await deps.assets.reserve(account.id, ADAM, 'STDQ', 5)).toBe(2);
  });

  it('moves users as Apple says, audits it as Apple’s doing, and asks for a reconciliation', async () => {
    await givenUsers(
      deps,
      account,
      { id: 'ana', status: 'Invited' },
      { id: 'newbie', status: 'New', appleStatus: undefined, inviteCode: undefined },
    );
    deps.vpp.usersSince = [{ clientUserId: 'ana', status: 'Associated' }];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.users).toEqual({ added: 0, updated: 1 });
    expect(await deps.users.get(account.id, 'ana')).toMatchObject({ status: 'Associated' });
    expect(deps.audit.actions('user.associated')[0]).toMatchObject({
      actor: { type: 'apple' },
      details: { from: 'Invited', to: 'Associated' },
    });
    expect(deps.queue.messages('jobs')).toMatchObject([{ type: 'reconcile', orgId: account.orgId }]);
  });

  it('updates the account when Apple refuses the token, and passes the error on', async () => {
    deps.vpp.fail('userPages', appleRefusal(9625));
    await expect(
      syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() }),
    ).rejects.toMatchObject({
      kind: 'token_revoked',
    });
    expect((await deps.accounts.get(account.id))?.status).toBe('revoked');
  });
});

describe('syncAccount: drift between full passes', () => {
  const asset = { adamId: ADAM, pricingParam: 'STDQ' as const };
  const byAsset = () =>
    deps.vpp.callsOf('readAssignments').filter((c) => (c.args[0] as { adamId?: string })?.adamId === ADAM);
  beforeEach(async () => {
    givenAsset(deps, account, { availableCount: 8, assignedCount: 2, name: 'Pages', holderCount: 2 });
    givenHoldings(deps, account, { subjectId: 'A', source: 'manual' }, { subjectId: 'B', source: 'manual' });
    deps.vpp.assignments = [holding('A'), holding('B')];
    await synced({ counts: { assignments: 2 } });
    deps.clock.advance({ hours: 1 });
  });

  it('repairs a licence taken back at Apple by another tool in an ordinary sync, and reports it', async () => {
    // Another tool took B back: Apple's incremental read shows nothing, but its count does.
    deps.vpp.assignments = [holding('A')];
    deps.vpp.assets = [appleAsset({ assignedCount: 1, availableCount: 9 })];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.full).toBe(false);
    expect(report.assignments).toMatchObject({ foundAtApple: 0, goneAtApple: 1, reread: [asset] });
    expect(driftFound(report)).toBe(true);
    expect(byAsset()).toHaveLength(1);
    expect(byAsset()[0]?.args[0]).toEqual(asset);
    expect(await record('B')).toMatchObject({ state: 'revoked', source: 'manual' });
    expect(await record('A')).toMatchObject({ state: 'granted' });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 1 });
    expect((await deps.syncStates.get(account.id))?.counts.assignments).toBe(1);
    // Repaired: the next sync finds the counts agreeing and reads nothing more.
    await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(byAsset()).toHaveLength(1);
  });

  it('finds a licence given elsewhere that the incremental read did not show', async () => {
    deps.vpp.assignments = [holding('A'), holding('B'), { ...asset, clientUserId: 'elsewhere' }];
    deps.vpp.assets = [appleAsset({ assignedCount: 3, availableCount: 7 })];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assignments).toMatchObject({ foundAtApple: 1, goneAtApple: 0, reread: [asset] });
    expect(await deps.assignments.get(account.id, ADAM, 'STDQ', 'user', 'elsewhere')).toMatchObject({
      state: 'granted',
      source: 'apple',
    });
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 3 });
  });

  it('costs no assignment read, at Apple or ours, and no write when the counts agree', async () => {
    deps.vpp.assets = [
      appleAsset({ assignedCount: 2, availableCount: 8 }),
      appleAsset({ adamId: 'other', assignedCount: 0, availableCount: 10 }),
    ];
    givenAsset(deps, account, { adamId: 'other', assignedCount: 0, availableCount: 10, holderCount: 0 });
    const ours = {
      listByAsset: vi.spyOn(deps.assignments, 'listByAsset'),
      listByAccount: vi.spyOn(deps.assignments, 'listByAccount'),
      putMany: vi.spyOn(deps.assignments, 'putMany'),
      transition: vi.spyOn(deps.assignments, 'transition'),
      saveAppleFacts: vi.spyOn(deps.assets, 'saveAppleFacts'),
      setHolderCount: vi.spyOn(deps.assets, 'setHolderCount'),
      moveHolderCount: vi.spyOn(deps.assets, 'moveHolderCount'),
      remove: vi.spyOn(deps.assets, 'remove'),
    };
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(driftFound(report)).toBe(false);
    expect(report.assignments.reread).toEqual([]);
    // Apple: the incremental read only; no per-asset read of assignments.
    expect(deps.vpp.callsOf('assignmentPages').map((c) => c.args[0])).toEqual([{ sinceVersionId: 'a-v1' }]);
    expect(deps.vpp.callsOf('readAssignments')).toEqual([]);
    for (const [name, spy] of Object.entries(ours))
      expect({ [name]: spy.mock.calls.length }).toEqual({ [name]: 0 });
  });

  it('leaves an asset with something in flight to the answer that settles it', async () => {
    deps.vpp.assignments = [holding('A')];
    deps.vpp.assets = [appleAsset({ assignedCount: 1, availableCount: 9 })];
    // A revocation in flight (B: Apple took it, its answer is not in yet) ...
    deps.assignments.seed({
      ...must(await record('B')),
      state: 'pending-revoke',
      jobId: 'j',
      eventId: 'e1',
    });
    const revoking = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(revoking.assignments).toMatchObject({ goneAtApple: 0, reread: [] });
    expect(await record('B')).toMatchObject({ state: 'pending-revoke', eventId: 'e1' });
    // ... or a grant reserved and not answered yet.
    deps.assignments.seed({ ...must(await record('B')), state: 'granted', eventId: undefined });
    deps.assets.seed({ ...must(await deps.assets.get(account.id, ADAM, 'STDQ')), pendingCount: 1 });
    const listed = vi.spyOn(deps.assignments, 'listByAsset');
    const granting = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(granting.assignments).toMatchObject({ goneAtApple: 0, reread: [] });
    expect(listed).not.toHaveBeenCalled();
    expect(byAsset()).toEqual([]);
    expect(await record('B')).toMatchObject({ state: 'granted' });
  });

  it('leaves a record moved while its holders were re-read to whoever moved it', async () => {
    deps.vpp.assignments = [holding('A')];
    deps.vpp.assets = [appleAsset({ assignedCount: 1, availableCount: 9 })];
    // A revocation of B starts (and reaches Apple) between our listing and Apple's answer.
    deps.vpp.on('readAssignments', async (_token, filter) => {
      if (filter?.adamId === ADAM)
        deps.assignments.seed({
          ...must(await record('B')),
          state: 'pending-revoke',
          jobId: 'j',
          eventId: 'e',
        });
      return { items: deps.vpp.assignments, versionId: 'v', consistent: true, pages: 1, meta: {} };
    });
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assignments).toMatchObject({ goneAtApple: 0, reread: [asset] });
    expect(await record('B')).toMatchObject({ state: 'pending-revoke', eventId: 'e' });
  });

  it('counts the holders of an asset it never counted, reading Apple only if they differ', async () => {
    deps.assets.seed({ ...must(await deps.assets.get(account.id, ADAM, 'STDQ')), holderCount: undefined });
    deps.vpp.assets = [appleAsset({ assignedCount: 2, availableCount: 8 })];
    const report = await syncAccount(deps, account, { full: false, actor, jobId: deps.ids.newId() });
    expect(report.assignments.reread).toEqual([]);
    expect(byAsset()).toEqual([]);
    expect(await deps.assets.get(account.id, ADAM, 'STDQ')).toMatchObject({ holderCount: 2 });
  });
});

describe('runSyncJob', () => {
  const message = (over = {}) => ({
    orgId: 'org-1',
    accountId: 'account-1',
    jobId: 'job-s',
    full: false,
    scheduled: false,
    ...over,
  });
  const first = { receiveCount: 1, maxReceiveCount: 3 };

  it('moves a requested sync to succeeded with the drift report, and audits what it found', async () => {
    await givenJob(deps, { id: 'job-s', type: 'sync', requested: 3 });
    deps.vpp.assets = [appleAsset()];
    await runSyncJob(deps, message(), first);
    expect(await deps.jobs.get('job-s')).toMatchObject({
      state: 'succeeded',
      summary: { drift: { assets: { added: 1 } } },
    });
    expect(deps.audit.actions('account.synced')[0]).toMatchObject({ result: 'succeeded' });
  });

  it('leaves no job and no audit entry for a scheduled sync with nothing new, and a succeeded job when it finds something', async () => {
    await synced({
      counts: { assets: 0, licenses: { total: 0, assigned: 0, available: 0 }, users: 0, assignments: 0 },
    });
    await runSyncJob(deps, message({ scheduled: true }), first);
    expect(await deps.jobs.get('job-s')).toBeUndefined();
    expect(deps.audit.entries()).toEqual([]);
    deps.vpp.assignmentsSince = [holding('A')];
    await runSyncJob(deps, message({ scheduled: true, jobId: 'job-night' }), first);
    expect(await deps.jobs.get('job-night')).toMatchObject({
      state: 'succeeded',
      createdBy: 'schedule:nightly-sync',
    });
  });

  it('fails the job of an account removed before the sync ran', async () => {
    await givenJob(deps, { id: 'job-s', type: 'sync', requested: 3 });
    await runSyncJob(deps, message({ accountId: 'gone' }), first);
    expect(await deps.jobs.get('job-s')).toMatchObject({
      state: 'failed',
      failures: [{ code: 'account.not_found' }],
    });
    expect(deps.vpp.calls).toEqual([]);
  });

  it('retries while Apple is busy, and on the last delivery fails the job and lets the message go to the DLQ', async () => {
    await givenJob(deps, { id: 'job-s', type: 'sync', requested: 3 });
    deps.vpp.fail('userPages', appleRefusal(9646), 2);
    await expect(runSyncJob(deps, message(), first)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await deps.jobs.get('job-s'))?.state).toBe('running');
    await expect(runSyncJob(deps, message(), { receiveCount: 3, maxReceiveCount: 3 })).rejects.toMatchObject({
      kind: 'throttled',
    });
    expect(await deps.jobs.get('job-s')).toMatchObject({
      state: 'failed',
      failures: [{ code: 'apple.throttled', appleError: { errorNumber: 9646 } }],
    });
  });

  it('fails the job at once on an error that will not pass (a revoked token)', async () => {
    await givenJob(deps, { id: 'job-s', type: 'sync', requested: 3 });
    deps.vpp.fail('userPages', appleRefusal(9625));
    await runSyncJob(deps, message(), first);
    expect(await deps.jobs.get('job-s')).toMatchObject({
      state: 'failed',
      failures: [{ code: 'apple.token_revoked' }],
    });
    expect(deps.audit.actions('account.synced')[0]).toMatchObject({ result: 'failed' });
  });
});

describe('scheduleSyncs', () => {
  it('queues one scheduled sync per account that can sync, and writes no job', async () => {
    await givenAccount(deps, { id: 'account-2', status: 'expiring' });
    await givenAccount(deps, { id: 'account-3', status: 'revoked' });
    await givenAccount(deps, { id: 'account-4', status: 'expired' });
    expect(await scheduleSyncs(deps)).toEqual({ queued: 2, skipped: 2 });
    const messages = deps.queue.messages('jobs');
    expect(messages.map((m) => ('accountId' in m ? m.accountId : '')).sort()).toEqual([
      'account-1',
      'account-2',
    ]);
    expect(messages.every((m) => m.type === 'sync' && m.scheduled && !m.full)).toBe(true);
    for (const m of messages) expect(await deps.jobs.get((m as { jobId: string }).jobId)).toBeUndefined();
  });
});
