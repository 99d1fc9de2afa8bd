/**
 * Scope reconciliation (shared/application/deployments/reconcile.ts): who gets a licence and in which
 * order when they run short, when a holder that left the scope is revoked (grace periods), retries of
 * refused grants, the shortage alert sent once, one run per organisation at a time, and no writes when
 * nothing changes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { getPlan } from '../../../../shared/application/deployments/manage-deployments.ts';
import { RUN_LEASE_SECONDS, reconcileAll } from '../../../../shared/application/deployments/reconcile.ts';
import { FUNCTIONS } from '../../../../shared/config/functions.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { Actor } from '../../../../shared/domain/principal.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenDeployment,
  givenDevices,
  givenHoldings,
  givenUsers,
  must,
  orgAdmin,
  queuedBatches,
} from '../../support/world.ts';

const actor: Actor = { type: 'schedule', id: 'reconcile' };
const ADAM = '361309726';
let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

const grantsQueued = async () => (await queuedBatches(deps)).flatMap((b) => b.subjects.map((s) => s.id));
const revocationsQueued = async () =>
  (await queuedBatches(deps, 'revocations')).flatMap((b) => b.subjects.map((s) => s.id));
const holder = (serial: string) => deps.assignments.get(account.id, ADAM, 'STDQ', 'device', serial);

describe('granting to the scope', () => {
  it('grants to in-scope devices (network, tag and the account’s assignable networks) through the licence pipeline', async () => {
    // Prepare
    account = { ...account };
    const read = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update({ ...read, assignableNetworks: ['net-school', 'net-lab'] }, read);
    givenAsset(deps, account, { availableCount: 10 });
    await givenDeployment(deps, account, { scope: { networks: ['net-school'], tags: ['students'] } });
    await givenDevices(
      deps,
      { serialNumber: 'IN', networkId: 'net-school', tags: ['students'] },
      { serialNumber: 'NOTAG', networkId: 'net-school', tags: ['staff'] },
      { serialNumber: 'WRONGNET', networkId: 'net-lab', tags: ['students'] },
    );
    // Act
    const result = await reconcileAll(deps, actor);
    // Assess
    expect(result).toMatchObject({ deployments: 1, granted: 1, revoked: 0, shortage: 0, busy: [] });
    expect(await grantsQueued()).toEqual(['IN']);
    expect(await queuedBatches(deps)).toMatchObject([{ source: 'deployment' }]);
    expect(deps.audit.actions('deployment.reconciled')[0]?.details).toMatchObject({
      granted: 1,
      jobIds: result.jobIds,
    });
  });

  it('leaves out devices outside the assignable networks even when the scope names them', async () => {
    const read = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update({ ...read, assignableNetworks: ['net-school'] }, read);
    givenAsset(deps, account);
    await givenDeployment(deps, account, { scope: { networks: [], tags: [] } });
    await givenDevices(deps, { serialNumber: 'GUEST', networkId: 'net-guest' });
    expect((await reconcileAll(deps, actor)).granted).toBe(0);
  });

  it('skips a device whose platform the asset does not run on, with the reason in the plan, and counts it in no shortage', async () => {
    givenAsset(deps, account, { availableCount: 1, supportedPlatforms: ['iOS', 'visionOS'] });
    await givenDeployment(deps, account);
    await givenDevices(
      deps,
      { serialNumber: 'MAC', platform: 'macOS' },
      { serialNumber: 'IPAD', platform: 'ipados' },
    );
    const plan = await getPlan(deps, orgAdmin, account.id, ADAM);
    expect(plan).toMatchObject({
      inScope: 2,
      grant: ['device:IPAD'],
      shortage: { count: 0 },
      skipped: [
        {
          subject: 'device:MAC',
          code: 'device.platform_unsupported',
          reason: "This asset runs on iOS, visionOS; the device's platform is macOS.",
        },
      ],
    });
    expect(await reconcileAll(deps, actor)).toMatchObject({ granted: 1, shortage: 0 });
    expect(await grantsQueued()).toEqual(['IPAD']);
    expect(await holder('MAC')).toBeUndefined();
    expect(deps.mailer.outbox).toEqual([]);
  });

  it('grants in a stable order when licences run short (longest in the inventory first), and alerts the shortage once', async () => {
    // Prepare: 2 free licences, 4 devices in scope
    givenAsset(deps, account, { availableCount: 2, name: 'Keynote' });
    await givenDeployment(deps, account);
    await givenDevices(
      deps,
      { serialNumber: 'D', createdAt: '2026-01-01T00:00:00.000Z' },
      { serialNumber: 'B', createdAt: '2026-02-01T00:00:00.000Z' },
      { serialNumber: 'A', createdAt: '2026-02-01T00:00:00.000Z' },
      { serialNumber: 'C', createdAt: '2026-03-01T00:00:00.000Z' },
    );
    // Act
    const first = await reconcileAll(deps, actor);
    const second = await reconcileAll(deps, actor);
    // Assess
    expect(first).toMatchObject({ granted: 2, shortage: 2 });
    expect(await grantsQueued()).toEqual(['D', 'A']);
    expect(second).toMatchObject({ granted: 0, shortage: 2 });
    expect(deps.mailer.outbox).toHaveLength(1);
    expect(deps.mailer.outbox[0]).toMatchObject({ to: account.email });
    expect(deps.mailer.outbox[0]?.subject).toContain('2 licences short for Keynote');
    expect(deps.audit.actions('deployment.shortage')).toHaveLength(1);
    expect((await deps.deployments.get(account.id, ADAM, 'STDQ'))?.shortage).toMatchObject({ count: 2 });
  });

  it('counts the shortage again when licences ran out while granting (taken by another request meanwhile)', async () => {
    // Prepare: 2 free for 3 devices; between the plan and the grant, another request reserves one
    givenAsset(deps, account, { availableCount: 2 });
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' }, { serialNumber: 'B' }, { serialNumber: 'C' });
    const reserve = deps.assets.reserve.bind(deps.assets);
    let stolen = false;
    deps.assets.reserve = async (...args) => {
      if (!stolen) {
        stolen = true;
        await reserve(account.id, ADAM, 'STDQ', 1);
      }
      return reserve(...args);
    };
    // Act
    const result = await reconcileAll(deps, actor);
    // Assess: one granted, and the fresh plan finds B and C short (the first plan said only C)
    expect(result).toMatchObject({ granted: 1, shortage: 2 });
    expect(await grantsQueued()).toEqual(['A']);
    expect((await deps.deployments.get(account.id, ADAM, 'STDQ'))?.shortage).toMatchObject({ count: 2 });
  });

  it('clears the shortage once it is resolved, so a later one alerts again', async () => {
    givenAsset(deps, account, { availableCount: 0 });
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' });
    await reconcileAll(deps, actor);
    expect((await deps.deployments.get(account.id, ADAM, 'STDQ'))?.shortage).toBeDefined();
    deps.assets.seed({ ...must(await deps.assets.get(account.id, ADAM, 'STDQ')), availableCount: 5 });
    await reconcileAll(deps, actor);
    expect((await deps.deployments.get(account.id, ADAM, 'STDQ'))?.shortage).toBeUndefined();
  });

  it('grants nothing when autoAssign is off', async () => {
    givenAsset(deps, account);
    await givenDeployment(deps, account, { autoAssign: false, autoRevoke: true });
    await givenDevices(deps, { serialNumber: 'A' });
    expect(await reconcileAll(deps, actor)).toMatchObject({ granted: 0, shortage: 0 });
    expect(deps.queue.sent).toEqual([]);
  });

  it('deploys to users who own an in-scope device or carry a scope tag, if Invited or Associated', async () => {
    givenAsset(deps, account);
    await givenDeployment(deps, account, { method: 'user', scope: { networks: [], tags: ['maths'] } });
    await givenDevices(deps, { serialNumber: 'D1', tags: ['maths'], ownerEmail: 'owner@example.test' });
    await givenUsers(
      deps,
      account,
      { id: 'owner', email: 'owner@example.test', status: 'Associated' },
      { id: 'tagged', tags: ['maths'], status: 'Invited' },
      { id: 'new', tags: ['maths'], status: 'New' },
      { id: 'other', status: 'Associated' },
    );
    await reconcileAll(deps, actor);
    expect((await grantsQueued()).sort()).toEqual(['owner', 'tagged']);
  });
});

describe('taking back from who left the scope', () => {
  beforeEach(async () => {
    givenAsset(deps, account);
    await givenDevices(
      deps,
      { serialNumber: 'STAYS', tags: ['students'] },
      { serialNumber: 'LEFT', tags: ['staff'] },
      { serialNumber: 'MANUAL', tags: ['staff'] },
    );
    givenHoldings(
      deps,
      account,
      { subjectId: 'STAYS', source: 'deployment' },
      { subjectId: 'LEFT', source: 'deployment' },
      { subjectId: 'MANUAL', source: 'manual' },
    );
  });

  it('records when a holder left, revokes it only after the grace period, and never a manual grant', async () => {
    // Prepare: a deployment made long ago
    await givenDeployment(deps, account, {
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 24,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    // Act: the first run sees LEFT out of scope
    await reconcileAll(deps, actor);
    // Assess
    expect(await holder('LEFT')).toMatchObject({ state: 'granted', outOfScopeSince: deps.clock.iso() });
    expect(await revocationsQueued()).toEqual([]);
    // Within the grace period: still nothing
    deps.clock.advance({ hours: 23 });
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual([]);
    // After it: revoked, the manual grant never
    deps.clock.advance({ hours: 1 });
    const result = await reconcileAll(deps, actor);
    expect(result.revoked).toBe(1);
    expect(await revocationsQueued()).toEqual(['LEFT']);
    // In flight now: a run before the worker sends it takes nothing back twice.
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual(['LEFT']);
    expect(await holder('MANUAL')).toMatchObject({ state: 'granted' });
    expect(await holder('MANUAL')).not.toHaveProperty('outOfScopeSince');
  });

  it('revokes at once with no grace period', async () => {
    await givenDeployment(deps, account, {
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 0,
    });
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual(['LEFT']);
  });

  it('counts the grace period from the deployment’s last change when that is later', async () => {
    givenHoldings(deps, account, {
      subjectId: 'LEFT',
      source: 'deployment',
      outOfScopeSince: '2026-01-01T00:00:00.000Z',
    });
    // Changed an hour ago, with a 24 hour grace period: not yet.
    await givenDeployment(deps, account, {
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 24,
      updatedAt: new Date(deps.clock.now().getTime() - 3_600_000).toISOString(),
    });
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual([]);
    deps.clock.advance({ hours: 23 });
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual(['LEFT']);
  });

  it('forgets when a holder left once it is back in scope', async () => {
    givenHoldings(deps, account, {
      subjectId: 'LEFT',
      source: 'deployment',
      outOfScopeSince: '2026-01-01T00:00:00.000Z',
    });
    await deps.devices.putMany([{ ...must(await deps.devices.get('org-1', 'LEFT')), tags: ['students'] }]);
    await givenDeployment(deps, account, {
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 0,
    });
    await reconcileAll(deps, actor);
    expect(await revocationsQueued()).toEqual([]);
    expect(await holder('LEFT')).not.toHaveProperty('outOfScopeSince');
  });
});

describe('refused grants', () => {
  beforeEach(async () => {
    givenAsset(deps, account);
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'NOLICENCE' }, { serialNumber: 'REFUSED' });
  });

  it('tries again at once a grant refused for want of licences, and a day later one refused otherwise', async () => {
    const refusedAt = deps.clock.iso();
    givenHoldings(
      deps,
      account,
      {
        subjectId: 'NOLICENCE',
        state: 'failed',
        source: 'deployment',
        updatedAt: refusedAt,
        error: { errorNumber: 9709, code: 'apple.not_enough_licenses', reason: 'x' },
      },
      {
        subjectId: 'REFUSED',
        state: 'failed',
        source: 'deployment',
        updatedAt: refusedAt,
        error: { errorNumber: 9707, code: 'apple.not_device_assignable', reason: 'x' },
      },
    );
    await reconcileAll(deps, actor);
    expect(await grantsQueued()).toEqual(['NOLICENCE']);
    deps.queue.clear();
    deps.clock.advance({ hours: 24 });
    await reconcileAll(deps, actor);
    expect(await grantsQueued()).toEqual(['REFUSED']);
  });
});

describe('reconcileAll', () => {
  it('writes nothing when there is nothing to change (only its run lease, released again)', async () => {
    givenAsset(deps, account);
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' });
    givenHoldings(deps, account, { subjectId: 'A', source: 'deployment' });
    const before = JSON.stringify(await deps.assignments.listByAccount(account.id));
    expect(await reconcileAll(deps, actor)).toMatchObject({
      granted: 0,
      revoked: 0,
      shortage: 0,
      jobIds: [],
    });
    expect(deps.queue.sent).toEqual([]);
    expect(deps.audit.entries()).toEqual([]);
    expect(JSON.stringify(await deps.assignments.listByAccount(account.id))).toBe(before);
    expect(deps.debouncer.holds.size).toBe(0);
  });

  it('skips an organisation another run holds, and says so', async () => {
    givenAsset(deps, account);
    await givenDeployment(deps, account);
    await givenDevices(deps, { serialNumber: 'A' });
    await deps.debouncer.take(`reconcile-run:${account.orgId}`, 200);
    expect(await reconcileAll(deps, actor)).toMatchObject({ busy: [account.orgId], granted: 0 });
    expect(deps.queue.sent).toEqual([]);
  });

  it('skips accounts that cannot write to Apple, and deployments that neither assign nor revoke', async () => {
    const blocked = await givenAccount(deps, { id: 'account-2', status: 'revoked' });
    givenAsset(deps, blocked);
    await givenDeployment(deps, blocked);
    givenAsset(deps, account);
    await givenDeployment(deps, account, { autoAssign: false, autoRevoke: false });
    await givenDevices(deps, { serialNumber: 'A' });
    expect(await reconcileAll(deps, actor)).toMatchObject({ deployments: 0, granted: 0 });
  });

  it('reconciles only what the filter names', async () => {
    givenAsset(deps, account);
    givenAsset(deps, account, { adamId: '2' });
    await givenDeployment(deps, account);
    await givenDeployment(deps, account, { adamId: '2' });
    await givenDevices(deps, { serialNumber: 'A' });
    expect(await reconcileAll(deps, actor, { orgId: account.orgId, adamId: '2' })).toMatchObject({
      deployments: 1,
      granted: 1,
    });
    expect((await queuedBatches(deps)).map((b) => b.asset.adamId)).toEqual(['2']);
  });
});

it('holds its run lease longer than any function that reconciles may run, so a live run keeps it', () => {
  const reconciling = FUNCTIONS.filter((f) => f.id === 'reconcile' || f.id === 'job-worker');
  expect(reconciling).toHaveLength(2);
  for (const f of reconciling) expect(RUN_LEASE_SECONDS, f.id).toBeGreaterThan(f.timeoutSeconds);
});
