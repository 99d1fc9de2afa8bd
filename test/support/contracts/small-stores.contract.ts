/**
 * The smaller stores: the sync record (replaced whole: a field a sync leaves out is gone), the
 * notification inbox (a repeated delivery is known for a week), the debouncer (one holder per key until
 * it is released or its hold lapses), deployments (the shortage alert is claimed once), the device
 * inventory and invitation links (used once, only while active).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Debouncer } from '../../../shared/application/ports/debouncer.ts';
import type { DeploymentRepository } from '../../../shared/application/ports/deployment-repository.ts';
import type { DeviceRepository } from '../../../shared/application/ports/device-repository.ts';
import type { InvitationRepository } from '../../../shared/application/ports/invitation-repository.ts';
import type { NotificationInbox } from '../../../shared/application/ports/notification-inbox.ts';
import {
  EMPTY_COUNTS,
  type SyncStateRepository,
} from '../../../shared/application/ports/sync-state-repository.ts';
import type { Deployment } from '../../../shared/domain/deployment.ts';
import { aDeployment, aDevice, aLink, type ContractEnv, type Make, newEnv, uid } from './support.ts';

export function describeSyncStateRepositoryContract(name: string, make: Make<SyncStateRepository>): void {
  describe(`SyncStateRepository contract: ${name}`, () => {
    let repo: SyncStateRepository;
    beforeEach(async () => {
      repo = await make(newEnv());
    });

    it('keeps one record per account, replaced whole, and removes it', async () => {
      const accountId = uid('account');
      expect(await repo.get(accountId)).toBeUndefined();
      const first = {
        accountId,
        usersVersionId: 'u1',
        assignmentsVersionId: 'a1',
        lastSyncAt: '2026-03-02T09:00:00.000Z',
        lastFullSyncAt: '2026-03-02T09:00:00.000Z',
        lastJobId: 'job-1',
        counts: { ...EMPTY_COUNTS, assignments: 4 },
      };
      await repo.put(first);
      expect(await repo.get(accountId)).toEqual(first);
      // An unstable full pass leaves no full pass on record: the field goes.
      const { lastFullSyncAt: _full, ...second } = { ...first, lastSyncAt: '2026-03-03T09:00:00.000Z' };
      await repo.put(second);
      expect(await repo.get(accountId)).toEqual(second);
      expect((await repo.get(accountId))?.lastFullSyncAt).toBeUndefined();
      await repo.remove(accountId);
      expect(await repo.get(accountId)).toBeUndefined();
    });

    it("keeps a run's checkpoints in order, each seq once, apart from other runs, until the account goes", async () => {
      const accountId = uid('account');
      const progress = (nextPage: number) => ({
        stamp: '2026-03-02T09:00:00.000Z',
        full: true,
        phase: 'users' as const,
        users: {
          full: true,
          nextPage,
          versionId: 'v1',
          unstable: false,
          added: 0,
          updated: 0,
          statusMoved: false,
        },
      });
      const keys = new Uint8Array(new BigUint64Array([3n, 2n ** 63n]).buffer);
      const collect = async (jobId: string) => {
        const found = [];
        for await (const c of repo.checkpoints(accountId, jobId)) found.push(c);
        return found;
      };
      expect(await collect('job-1')).toEqual([]);
      // Saved out of order (seq 10 sorts after 9 and 2, not as text).
      for (const seq of [2, 10, 1])
        expect(
          await repo.saveCheckpoint({ accountId, jobId: 'job-1', seq, progress: progress(seq), keys }),
        ).toBe(true);
      expect(await repo.saveCheckpoint({ accountId, jobId: 'job-2', seq: 1, progress: progress(7) })).toBe(
        true,
      );
      // Another delivery of the same run reaching the same page is refused, and changes nothing.
      expect(await repo.saveCheckpoint({ accountId, jobId: 'job-1', seq: 2, progress: progress(99) })).toBe(
        false,
      );

      const run = await collect('job-1');
      expect(run.map((c) => [c.seq, c.progress.users.nextPage])).toEqual([
        [1, 1],
        [2, 2],
        [10, 10],
      ]);
      expect([...new BigUint64Array(new Uint8Array(run[0]?.keys ?? []).buffer)]).toEqual([3n, 2n ** 63n]);
      expect((await collect('job-2')).map((c) => c.progress.users.nextPage)).toEqual([7]);
      expect((await collect('job-2'))[0]?.keys).toBeUndefined();

      await repo.remove(accountId);
      expect(await collect('job-1')).toEqual([]);
      expect(await collect('job-2')).toEqual([]);
    });
  });
}

export function describeNotificationInboxContract(name: string, make: Make<NotificationInbox>): void {
  describe(`NotificationInbox contract: ${name}`, () => {
    let env: ContractEnv;
    let inbox: NotificationInbox;
    beforeEach(async () => {
      env = newEnv();
      inbox = await make(env);
    });

    it('knows a notification of an account for a week after it was taken in', async () => {
      const accountId = uid('account');
      expect(await inbox.seen(accountId, 'n-1')).toBe(false);
      await inbox.markSeen(accountId, 'n-1');
      expect(await inbox.seen(accountId, 'n-1')).toBe(true);
      expect(await inbox.seen(accountId, 'n-2')).toBe(false);
      expect(await inbox.seen(uid('account'), 'n-1')).toBe(false);
      env.clock.advance({ days: 6 });
      expect(await inbox.seen(accountId, 'n-1')).toBe(true);
      env.clock.advance({ days: 1, seconds: 1 });
      expect(await inbox.seen(accountId, 'n-1')).toBe(false);
    });
  });
}

export function describeDebouncerContract(name: string, make: Make<Debouncer>): void {
  describe(`Debouncer contract: ${name}`, () => {
    let env: ContractEnv;
    let debouncer: Debouncer;
    beforeEach(async () => {
      env = newEnv();
      debouncer = await make(env);
    });

    it('gives a key to the first caller until it is released', async () => {
      const key = uid('reconcile');
      expect(await debouncer.take(key, 60)).toBe(true);
      expect(await debouncer.take(key, 60)).toBe(false);
      expect(await debouncer.take(uid('other'), 60)).toBe(true);
      await debouncer.release(key);
      expect(await debouncer.take(key, 60)).toBe(true);
    });

    it('gives a key again once a hold nobody released has lapsed', async () => {
      const key = uid('reconcile');
      expect(await debouncer.take(key, 10)).toBe(true);
      env.clock.advance({ seconds: 60 });
      expect(await debouncer.take(key, 10)).toBe(false);
      env.clock.advance({ seconds: 10 * 4 + 60 });
      expect(await debouncer.take(key, 10)).toBe(true);
    });

    it('lets only one of many simultaneous callers take a key', async () => {
      const key = uid('reconcile');
      const taken = await Promise.all(Array.from({ length: 5 }, () => debouncer.take(key, 60)));
      expect(taken.filter(Boolean)).toHaveLength(1);
    });
  });
}

export function describeDeploymentRepositoryContract(name: string, make: Make<DeploymentRepository>): void {
  describe(`DeploymentRepository contract: ${name}`, () => {
    let repo: DeploymentRepository;
    let orgId: string;
    let deployment: Deployment;
    beforeEach(async () => {
      repo = await make(newEnv());
      orgId = uid('org');
      deployment = aDeployment({ orgId, accountId: uid('account') });
    });

    it('stores, replaces, lists by organisation and removes deployments', async () => {
      await repo.put(deployment);
      expect(await repo.get(deployment.accountId, deployment.adamId, 'STDQ')).toEqual(deployment);
      expect(await repo.get(deployment.accountId, deployment.adamId, 'PLUS')).toBeUndefined();
      const other = aDeployment({ orgId: `${orgId}x`, accountId: uid('account') });
      await repo.put(other);
      expect((await repo.list(orgId)).map((d) => d.accountId)).toEqual([deployment.accountId]);
      const all = (await repo.list()).map((d) => d.accountId);
      expect(all).toContain(deployment.accountId);
      expect(all).toContain(other.accountId);
      await repo.put({ ...deployment, autoRevoke: true });
      expect(await repo.get(deployment.accountId, deployment.adamId, 'STDQ')).toMatchObject({
        autoRevoke: true,
      });
      await repo.remove(deployment.accountId, deployment.adamId, 'STDQ');
      expect(await repo.get(deployment.accountId, deployment.adamId, 'STDQ')).toBeUndefined();
    });

    it('records a shortage once until it is cleared, and never on a deployment it does not have', async () => {
      await repo.put(deployment);
      const shortage = { count: 3, alertedAt: '2026-03-02T09:00:00.000Z' };
      expect(await repo.setShortage(deployment, shortage)).toBe(true);
      expect(await repo.setShortage(deployment, { count: 4, alertedAt: '2026-03-02T10:00:00.000Z' })).toBe(
        false,
      );
      expect(await repo.get(deployment.accountId, deployment.adamId, 'STDQ')).toMatchObject({ shortage });
      expect(await repo.setShortage(deployment, undefined)).toBe(true);
      expect((await repo.get(deployment.accountId, deployment.adamId, 'STDQ'))?.shortage).toBeUndefined();
      expect(await repo.setShortage(deployment, undefined)).toBe(false);
      const ghost = aDeployment({ accountId: uid('account') });
      expect(await repo.setShortage(ghost, shortage)).toBe(false);
      expect(await repo.get(ghost.accountId, ghost.adamId, 'STDQ')).toBeUndefined();
    });
  });
}

export function describeDeviceRepositoryContract(name: string, make: Make<DeviceRepository>): void {
  describe(`DeviceRepository contract: ${name}`, () => {
    let repo: DeviceRepository;
    let orgId: string;
    beforeEach(async () => {
      repo = await make(newEnv());
      orgId = uid('org');
    });

    it("keeps an organisation's inventory: upserts, reads one, many (each once) and all, and removes", async () => {
      const [a, b] = [aDevice({ orgId }), aDevice({ orgId })];
      const foreign = aDevice({ orgId: uid('org'), serialNumber: a.serialNumber });
      await repo.putMany([a, b, foreign]);
      expect(await repo.get(orgId, a.serialNumber)).toEqual(a);
      expect(
        (await repo.getMany(orgId, [a.serialNumber, a.serialNumber, 'NONE'])).map((d) => d.serialNumber),
      ).toEqual([a.serialNumber]);
      expect((await repo.listByOrg(orgId)).map((d) => d.serialNumber).sort()).toEqual(
        [a.serialNumber, b.serialNumber].sort(),
      );
      await repo.putMany([{ ...a, tags: ['lab'] }]);
      expect(await repo.get(orgId, a.serialNumber)).toMatchObject({ tags: ['lab'] });
      await repo.remove(orgId, a.serialNumber);
      expect(await repo.get(orgId, a.serialNumber)).toBeUndefined();
      expect(await repo.get(foreign.orgId, a.serialNumber)).toEqual(foreign);
    });

    it("pages through an organisation's devices by serial number, each once, and refuses another organisation's cursor", async () => {
      const serials = ['E-5', 'A-1', 'C-3', 'B-2', 'D-4'];
      const other = uid('org');
      await repo.putMany([
        ...serials.map((serialNumber) => aDevice({ orgId, serialNumber })),
        aDevice({ orgId: other, serialNumber: 'B-2' }),
        aDevice({ orgId: other, serialNumber: 'Z-9' }),
      ]);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repo.pageByOrg(orgId, { cursor, limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((d) => d.serialNumber));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(['A-1', 'B-2', 'C-3', 'D-4', 'E-5']);
      expect(await repo.pageByOrg(uid('org'), { limit: 2 })).toMatchObject({ items: [] });
      const first = await repo.pageByOrg(orgId, { limit: 2 });
      expect(first.cursor).toBeDefined();
      await expect(repo.pageByOrg(other, { cursor: first.cursor, limit: 2 })).rejects.toThrow(/cursor/);
    });
  });
}

export function describeInvitationRepositoryContract(name: string, make: Make<InvitationRepository>): void {
  describe(`InvitationRepository contract: ${name}`, () => {
    let repo: InvitationRepository;
    beforeEach(async () => {
      repo = await make(newEnv());
    });

    it('stores a link once and uses it once', async () => {
      const link = aLink();
      await repo.create(link);
      expect(await repo.get(link.hash)).toEqual(link);
      await expect(repo.create({ ...link, userId: 'someone-else' })).rejects.toThrow();
      expect(await repo.use(link.hash, '2026-03-02T10:00:00.000Z')).toBe(true);
      expect(await repo.get(link.hash)).toMatchObject({
        state: 'used',
        usedAt: '2026-03-02T10:00:00.000Z',
        userId: 'user-1',
      });
      expect(await repo.use(link.hash, '2026-03-02T11:00:00.000Z')).toBe(false);
      expect(await repo.get(link.hash)).toMatchObject({ usedAt: '2026-03-02T10:00:00.000Z' });
    });

    it('voids an active link only; a voided or unknown link cannot be used', async () => {
      const active = aLink();
      const used = aLink();
      await repo.create(active);
      await repo.create(used);
      await repo.use(used.hash, '2026-03-02T10:00:00.000Z');
      await repo.void(active.hash);
      await repo.void(used.hash);
      expect(await repo.get(active.hash)).toMatchObject({ state: 'voided' });
      expect(await repo.get(used.hash)).toMatchObject({ state: 'used' });
      expect(await repo.use(active.hash, '2026-03-02T11:00:00.000Z')).toBe(false);
      expect(await repo.use(uid('unknown'), '2026-03-02T11:00:00.000Z')).toBe(false);
      await repo.void(uid('unknown'));
      expect(await repo.get(uid('unknown'))).toBeUndefined();
    });
  });
}
