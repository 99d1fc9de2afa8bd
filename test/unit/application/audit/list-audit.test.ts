/** Reading the audit log (shared/application/audit/list-audit.ts): an admin sees only entries about the accounts that list it (and those about no account). */
import { beforeEach, describe, expect, it } from 'vitest';
import { accountOfTarget, listAudit } from '../../../../shared/application/audit/list-audit.ts';
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
});
