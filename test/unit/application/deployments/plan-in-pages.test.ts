/**
 * The reconciliation's plan made page by page (shared/application/deployments/plan-in-pages.ts) is
 * the plan made in memory (`planFor`, `planReconciliation`) on the same data: over several pages of
 * devices and holdings, with grace periods, retries, skipped platforms, holders back in scope,
 * holders whose device is gone, manual grants, a shortage, and a user deployment.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  changesOf,
  type PlanTarget,
  planChanges,
  type ReconciliationChanges,
} from '../../../../shared/application/deployments/plan-in-pages.ts';
import { planFor } from '../../../../shared/application/deployments/reconcile.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { AssignmentRecord } from '../../../../shared/domain/assignment.ts';
import type { Deployment } from '../../../../shared/domain/deployment.ts';
import type { Device } from '../../../../shared/domain/device.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { aHolding, givenAccount, givenAsset, givenDeployment, givenUsers } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps, { assignableNetworks: ['net-a', 'net-b'] });
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The changes `planChanges` should find, from the plan made in memory. */
async function inMemory(target: PlanTarget): Promise<ReconciliationChanges | undefined> {
  const devices = await deps.devices.listByOrg(target.account.orgId);
  const users = target.deployment.method === 'user' ? await deps.users.listByAccount(target.account.id) : [];
  const planned = await planFor(deps, target.account, target.deployment, { devices, users });
  if (!planned) return undefined;
  return changesOf(planned.plan);
}

const ADAMS = ['100', '200', '300', '400'];
/** Small pages, so a few hundred devices make several. */
const PAGES = { devices: 100, holders: 40 };

/** Devices over several pages, and holdings of every kind for each asset. */
async function givenWorld(seed: number, devicesCount: number): Promise<Device[]> {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const now = deps.clock.now().getTime();
  const hoursAgo = (h: number) => new Date(now - h * 3_600_000).toISOString();
  const devices: Device[] = Array.from({ length: devicesCount }, (_, i) => ({
    orgId: account.orgId,
    serialNumber: `S${String(Math.floor(next() * 1e9)).padStart(9, '0')}-${i}`,
    networkId: pick(['net-a', 'net-b', 'net-guest']),
    tags: next() < 0.5 ? ['students'] : pick([['staff'], [], ['students', 'lab']]),
    ...(next() < 0.1 ? { platform: 'macOS' } : {}),
    ...(next() < 0.3 ? { ownerEmail: `user-${Math.floor(next() * 40) + 1}@example.test` } : {}),
    lastSeenAt: hoursAgo(1),
    // Few distinct times: the stable order's tie on the serial number is exercised.
    createdAt: hoursAgo(Math.floor(next() * 5) * 24),
    updatedAt: hoursAgo(1),
  }));
  await deps.devices.putMany(devices);
  const holdings: AssignmentRecord[] = [];
  const serials = [
    ...devices.map((d) => d.serialNumber),
    ...Array.from({ length: 60 }, (_, i) => `GONE-${i}`),
  ];
  for (const adamId of ADAMS)
    for (const subjectId of serials) {
      if (next() < 0.3) continue;
      const kind = pick([
        'granted',
        'granted',
        'granted-out-long',
        'granted-out-recent',
        'failed-retry',
        'failed-later',
        'failed-old',
        'revoked',
        'pending-grant',
      ]);
      const base = aHolding(account, {
        adamId,
        subjectId,
        source: next() < 0.8 ? 'deployment' : 'manual',
        createdAt: hoursAgo(Math.floor(next() * 5) * 24),
      });
      const over: Partial<AssignmentRecord> = {
        granted: { state: 'granted' },
        'granted-out-long': { state: 'granted', outOfScopeSince: hoursAgo(100) },
        'granted-out-recent': { state: 'granted', outOfScopeSince: hoursAgo(2) },
        'failed-retry': {
          state: 'failed',
          updatedAt: hoursAgo(1),
          error: { errorNumber: 9709, code: 'apple.not_enough_licenses', reason: 'x' },
        },
        'failed-later': {
          state: 'failed',
          updatedAt: hoursAgo(1),
          error: { errorNumber: 9707, code: 'apple.not_device_assignable', reason: 'x' },
        },
        'failed-old': {
          state: 'failed',
          updatedAt: hoursAgo(30),
          error: { errorNumber: 9707, code: 'apple.not_device_assignable', reason: 'x' },
        },
        revoked: { state: 'revoked' },
        'pending-grant': { state: 'pending-grant', jobId: 'job-x' },
      }[kind] as Partial<AssignmentRecord>;
      holdings.push({ ...base, ...over });
    }
  // User holdings of a device asset are not the device deployment's to look at.
  holdings.push(aHolding(account, { adamId: '100', subjectType: 'user', subjectId: 'user-1' }));
  deps.assignments.seed(...holdings);
  return devices;
}

async function deploymentsOf(): Promise<Deployment[]> {
  const updatedAt = new Date(deps.clock.now().getTime() - 200 * 3_600_000).toISOString();
  givenAsset(deps, account, { adamId: '100', availableCount: 40, supportedPlatforms: ['iOS'] });
  givenAsset(deps, account, { adamId: '200', availableCount: 100_000 });
  givenAsset(deps, account, { adamId: '300', availableCount: 3 });
  givenAsset(deps, account, { adamId: '400', unlimited: true });
  return [
    await givenDeployment(deps, account, {
      adamId: '100',
      scope: { networks: [], tags: ['students'] },
      autoRevoke: true,
      revokeGraceHours: 24,
      updatedAt,
    }),
    await givenDeployment(deps, account, {
      adamId: '200',
      scope: { networks: ['net-a'], tags: [] },
      autoRevoke: true,
      revokeGraceHours: 0,
      updatedAt,
    }),
    // Changed an hour ago: a grace period counts from then.
    await givenDeployment(deps, account, {
      adamId: '300',
      scope: { networks: [], tags: [] },
      autoRevoke: true,
      revokeGraceHours: 48,
    }),
    await givenDeployment(deps, account, {
      adamId: '400',
      scope: { networks: [], tags: ['lab'] },
      autoAssign: false,
      autoRevoke: true,
      revokeGraceHours: 1,
      updatedAt,
    }),
  ];
}

describe('planChanges', () => {
  it('finds, page by page, exactly the plan made in memory for every device deployment', async () => {
    // Prepare: more than two pages of devices, each asset's holdings over several pages
    const devices = await givenWorld(7, Math.round(PAGES.devices * 4.5));
    const deployments = await deploymentsOf();
    const pageByOrg = vi.spyOn(deps.devices, 'pageByOrg');
    const pageByAsset = vi.spyOn(deps.assignments, 'pageByAsset');
    const targets = deployments.map((deployment) => ({ account, deployment }));
    // Act
    const planned = await planChanges(deps, account.orgId, targets, PAGES);
    // Assess: the same plan, and every kind of decision was met
    for (const [i, target] of targets.entries())
      expect(planned[i]?.changes, target.deployment.adamId).toEqual(await inMemory(target));
    expect(pageByOrg).toHaveBeenCalledTimes(Math.ceil(devices.length / PAGES.devices));
    // Each asset's holdings came in more than one page.
    for (const adamId of ADAMS)
      expect((await deps.assignments.listByAsset(account.id, adamId, 'STDQ')).length).toBeGreaterThan(
        PAGES.holders,
      );
    expect(pageByAsset.mock.calls.length).toBeGreaterThanOrEqual(3 * ADAMS.length);
    const all = planned.map((p) => p?.changes as ReconciliationChanges);
    const sum = (f: (c: ReconciliationChanges) => number) => all.reduce((n, c) => n + f(c), 0);
    for (const [what, count] of Object.entries({
      grant: sum((c) => c.grant.length),
      shortage: sum((c) => c.shortage),
      revoke: sum((c) => c.revoke.length),
      leftScope: sum((c) => c.leftScope.length),
      backInScope: sum((c) => c.backInScope.length),
      inGrace: sum((c) => c.inGrace),
      retryLater: sum((c) => c.retryLater),
      skipped: sum((c) => c.skipped),
    }))
      expect(count, what).toBeGreaterThan(0);
    // 3 free licences: the shortage is counted, not listed.
    expect(all[2]).toMatchObject({ grant: { length: 3 } });
    expect(all[2]?.shortage).toBeGreaterThan(20);
    // Without autoAssign nothing is granted and nothing is short.
    expect(all[3]).toMatchObject({ grant: [], shortage: 0 });
    const manual = new Set(
      (await deps.assignments.listByAccount(account.id))
        .filter((h) => h.source === 'manual')
        .map((h) => `${h.adamId}:${h.subjectId}`),
    );
    for (const [i, c] of all.entries())
      for (const r of c.revoke) expect(manual.has(`${ADAMS[i]}:${r.subject.id}`)).toBe(false);
  });

  it('walks the holders alone when the inventory is empty, and plans a user deployment from the owners of in-scope devices', async () => {
    // Prepare: holdings of devices that are all gone; users, some owning devices in scope
    const deployments = await deploymentsOf();
    deps.assignments.seed(
      ...Array.from({ length: 150 }, (_, i) =>
        aHolding(account, {
          adamId: '200',
          subjectId: `GONE-${String(i).padStart(4, '0')}`,
          source: 'deployment',
        }),
      ),
    );
    const users = await givenUsers(
      deps,
      account,
      { id: 'owner', email: 'owner@example.test', status: 'Associated' },
      { id: 'tagged', tags: ['maths'], status: 'Invited' },
      { id: 'stranger', status: 'Associated' },
      { id: 'left', status: 'Associated' },
    );
    givenAsset(deps, account, { adamId: '500', availableCount: 10 });
    const byUser = await givenDeployment(deps, account, {
      adamId: '500',
      method: 'user',
      scope: { networks: [], tags: ['maths'] },
      autoRevoke: true,
      revokeGraceHours: 0,
    });
    deps.assignments.seed(
      aHolding(account, { adamId: '500', subjectType: 'user', subjectId: 'left', source: 'deployment' }),
      aHolding(account, { adamId: '500', subjectType: 'device', subjectId: 'D-1', source: 'deployment' }),
    );
    const targets = [...deployments, byUser].map((deployment) => ({ account, deployment }));
    // Act
    const empty = await planChanges(deps, account.orgId, targets, PAGES);
    for (const [i, target] of targets.entries())
      expect(empty[i]?.changes, target.deployment.adamId).toEqual(await inMemory(target));
    await deps.devices.putMany([
      {
        orgId: account.orgId,
        serialNumber: 'D-1',
        networkId: 'net-a',
        tags: ['maths'],
        ownerEmail: 'owner@example.test',
        lastSeenAt: users[0]?.createdAt ?? '',
        createdAt: users[0]?.createdAt ?? '',
        updatedAt: users[0]?.createdAt ?? '',
      },
    ]);
    const withDevice = await planChanges(deps, account.orgId, targets, PAGES);
    // Assess
    expect(empty[1]?.changes.revoke).toHaveLength(150);
    for (const [i, target] of targets.entries())
      expect(withDevice[i]?.changes, target.deployment.adamId).toEqual(await inMemory(target));
    expect(empty[4]?.changes.grant.map((s) => s.id)).toEqual(['tagged']);
    expect(withDevice[4]?.changes.grant.map((s) => s.id).sort()).toEqual(['owner', 'tagged']);
    expect(withDevice[4]?.changes.revoke.map((r) => r.subject.id)).toEqual(['left']);
  });

  it('leaves out a deployment whose asset is gone', async () => {
    const deployment = await givenDeployment(deps, account, { adamId: '999' });
    expect(await planChanges(deps, account.orgId, [{ account, deployment }])).toEqual([undefined]);
  });
});
