/**
 * Webhook subscriptions: kept per organisation (another organisation's id is not found), listed oldest
 * first, replaced only as read (a change or a rotation in between makes the write refuse), removed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { WebhookRepository } from '../../../shared/application/ports/webhook-repository.ts';
import type { WebhookSubscription } from '../../../shared/domain/webhook.ts';
import { type Make, newEnv, uid } from './support.ts';

const aSubscription = (over: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id: uid('webhook'),
  orgId: uid('org'),
  url: 'https://hooks.example.com/vpp',
  eventTypes: ['license.granted', 'job.finished'],
  enabled: true,
  createdBy: 'admin@example.test',
  createdAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
  secretVersion: 1,
  ...over,
});

export function describeWebhookRepositoryContract(name: string, make: Make<WebhookRepository>): void {
  describe(`WebhookRepository contract: ${name}`, () => {
    let repo: WebhookRepository;
    let first: WebhookSubscription;
    beforeEach(async () => {
      repo = await make(newEnv());
      first = aSubscription({ accountIds: ['account-1'] });
    });

    it('stores and lists per organisation, oldest first; another organisation finds nothing', async () => {
      const second = aSubscription({ orgId: first.orgId, createdAt: '2026-03-02T10:00:00.000Z' });
      const foreign = aSubscription();
      await repo.create(second);
      await repo.create(first);
      await repo.create(foreign);
      expect(await repo.get(first.orgId, first.id)).toEqual(first);
      expect(await repo.get(foreign.orgId, first.id)).toBeUndefined();
      expect((await repo.listByOrg(first.orgId)).map((s) => s.id)).toEqual([first.id, second.id]);
      expect(await repo.listByOrg(uid('org'))).toEqual([]);
      await expect(repo.create(first)).rejects.toThrow();
    });

    it('replaces a subscription only as it was read, and removes it', async () => {
      await repo.create(first);
      const paused = { ...first, enabled: false, updatedAt: '2026-03-02T11:00:00.000Z' };
      expect(await repo.update(paused, first)).toBe(true);
      // Read before the change: refused, whether updatedAt or the secret version moved on.
      expect(await repo.update({ ...first, url: 'https://other.example.com/' }, first)).toBe(false);
      const rotated = { ...paused, secretVersion: 2 };
      expect(await repo.update(rotated, { ...paused, secretVersion: 3 })).toBe(false);
      expect(await repo.update(rotated, paused)).toBe(true);
      const { accountIds: _a, ...unfiltered } = rotated;
      expect(await repo.update({ ...unfiltered, updatedAt: '2026-03-02T12:00:00.000Z' }, rotated)).toBe(true);
      expect(await repo.get(first.orgId, first.id)).toEqual({
        ...unfiltered,
        updatedAt: '2026-03-02T12:00:00.000Z',
      });
      await repo.remove(first.orgId, first.id);
      expect(await repo.get(first.orgId, first.id)).toBeUndefined();
      expect(await repo.update(rotated, rotated)).toBe(false);
    });
  });
}
