/**
 * Reading the audit log (shared/application/audit/list-audit.ts): an admin sees only entries about the
 * accounts that list it (and those about no account); filters by actor, action, account and time.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { accountOfTarget, listAudit, matchesAudit } from '../../../../shared/application/audit/list-audit.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { foreignAdmin, givenAccount, listedAdmin, orgAdmin } from '../../support/world.ts';

let deps: FakeDeps;

beforeEach(async () => {
  deps = fakeDeps();
  await givenAccount(deps);
  await givenAccount(deps, { id: 'account-2', allowedAdmins: [] });
  const targets = [
    'account:account-1',
    'asset:account-2/1',
    'user:account-1/u',
    'devices:org-1',
    'account:account-2',
    'deployment:account-1/9',
  ];
  for (const target of targets) {
    deps.clock.advance({ seconds: 1 });
    await deps.audit.record({
      orgId: 'org-1',
      actor: { type: 'system', id: 't' },
      action: 'x.done',
      target,
      result: 'succeeded',
    });
  }
});

describe('listAudit', () => {
  it('shows an org-admin everything of its organisation, newest first, and nothing of another', async () => {
    expect((await listAudit(deps, orgAdmin, { limit: 10 })).items.map((e) => e.target)[0]).toBe(
      'deployment:account-1/9',
    );
    expect((await listAudit(deps, orgAdmin, { limit: 10 })).items).toHaveLength(6);
    expect((await listAudit(deps, foreignAdmin, { limit: 10 })).items).toEqual([]);
  });

  it('shows an admin only the entries of its accounts and those about no account, filling its pages', async () => {
    const first = await listAudit(deps, listedAdmin, { limit: 2 });
    expect(first.items.map((e) => e.target)).toEqual(['deployment:account-1/9', 'devices:org-1']);
    const second = await listAudit(deps, listedAdmin, { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((e) => e.target)).toEqual(['user:account-1/u', 'account:account-1']);
  });

  it('reads the account out of each kind of target', () => {
    expect(accountOfTarget('account:a1')).toBe('a1');
    expect(accountOfTarget('asset:a1/123')).toBe('a1');
    expect(accountOfTarget('user:a1/u')).toBe('a1');
    expect(accountOfTarget('device:SERIAL')).toBeUndefined();
  });

  it('filters by who did it, the action or its family, the account, and a time range', async () => {
    deps.clock.advance({ seconds: 1 });
    const from = deps.clock.iso();
    await deps.audit.record({
      orgId: 'org-1',
      actor: { type: 'user', id: 'sub-1', email: 'Ana@School.test', role: 'org-admin' },
      action: 'license.granted',
      target: 'asset:account-2/1',
      result: 'accepted',
    });
    deps.clock.advance({ seconds: 1 });
    await deps.audit.record({
      orgId: 'org-1',
      actor: { type: 'apple', id: 'notification' },
      action: 'license.revoked',
      target: 'asset:account-1/1',
      result: 'succeeded',
    });
    const targets = async (query: Parameters<typeof listAudit>[2]) =>
      (await listAudit(deps, orgAdmin, query)).items.map((e) => e.target);
    expect(await targets({ limit: 10, actor: 'ana@school.test' })).toEqual(['asset:account-2/1']);
    expect(await targets({ limit: 10, actor: 'notification' })).toEqual(['asset:account-1/1']);
    expect(await targets({ limit: 10, action: 'license' })).toEqual([
      'asset:account-1/1',
      'asset:account-2/1',
    ]);
    expect(await targets({ limit: 10, action: 'license.granted' })).toEqual(['asset:account-2/1']);
    expect(await targets({ limit: 10, action: 'licen' })).toEqual([]);
    expect(await targets({ limit: 10, accountId: 'account-2' })).toEqual([
      'asset:account-2/1',
      'account:account-2',
      'asset:account-2/1',
    ]);
    expect(await targets({ limit: 10, from, to: from })).toEqual(['asset:account-2/1']);
    expect(await targets({ limit: 10, to: from, action: 'x' })).toHaveLength(6);
    // An admin's filter never shows what it may not see.
    expect((await listAudit(deps, listedAdmin, { limit: 10, accountId: 'account-2' })).items).toEqual([]);
  });

  it('matches an entry on every filter given, and on none when none is', () => {
    const entry = {
      id: 'e',
      orgId: 'org-1',
      at: '2026-01-01T00:00:00.000Z',
      actor: { type: 'system' as const, id: 'sync' },
      action: 'account.synced',
      target: 'account:a1',
      result: 'succeeded' as const,
    };
    expect(matchesAudit(entry, {})).toBe(true);
    expect(matchesAudit(entry, { actor: 'sync', action: 'account', accountId: 'a1' })).toBe(true);
    expect(matchesAudit(entry, { actor: 'sync', accountId: 'a2' })).toBe(false);
    expect(matchesAudit(entry, { action: 'account.synced.more' })).toBe(false);
  });
});
