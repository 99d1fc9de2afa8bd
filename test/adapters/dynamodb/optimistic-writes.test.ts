/**
 * Concurrent changes are detected on a write counter, not on timestamps: two writers with the same
 * clock reading (a fixed test clock, or two Lambdas in the same millisecond) must not both win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../../shared/domain/account.ts';
import { ConflictError } from '../../../shared/domain/errors.ts';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

const STAMP = '2026-11-26T08:00:00.000Z';
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

describe('accounts', () => {
  it('refuses a write based on a stale read even when every timestamp is equal', async () => {
    const account: Account = {
      id: 'locking-account',
      orgId: 'locking',
      name: 'Locking',
      email: 'it@locking.test',
      allowedAdmins: [],
      assignableNetworks: [],
      location: { uId: 'locking-uid', organizationName: 'Locking', name: 'Locking' },
      mdmId: 'vpp-manager:local:locking-account',
      tokenExpiresAt: '2030-01-01T00:00:00.000Z',
      status: 'active',
      expiryAlertsSent: [],
      createdAt: STAMP,
      updatedAt: STAMP,
      createdBy: 'test',
      version: 0,
    };
    await rt.deps.accounts.create(account);
    const first = (await rt.deps.accounts.get(account.id)) as Account;
    const second = (await rt.deps.accounts.get(account.id)) as Account;

    await rt.deps.accounts.update({ ...first, expiryAlertsSent: [30] }, first);
    await expect(
      rt.deps.accounts.update({ ...second, expiryAlertsSent: [30] }, second),
    ).rejects.toBeInstanceOf(ConflictError);

    const fresh = (await rt.deps.accounts.get(account.id)) as Account;
    expect(fresh).toMatchObject({ expiryAlertsSent: [30], updatedAt: STAMP, version: 1 });
    await rt.deps.accounts.update({ ...fresh, name: 'Renamed' }, fresh);
    expect(await rt.deps.accounts.get(account.id)).toMatchObject({ name: 'Renamed', version: 2 });
  });
});

describe('users', () => {
  it('lets one of two replacements from the same read win, and answers the stored user', async () => {
    const user: VppUser = {
      accountId: 'locking-account',
      id: 'locking-user',
      email: 'someone@locking.test',
      tags: [],
      status: 'New',
      source: 'api',
      createdAt: STAMP,
      updatedAt: STAMP,
      version: 0,
    };
    await rt.deps.users.addMany([user]);
    const read = (await rt.deps.users.get(user.accountId, user.id)) as VppUser;

    const stored = await rt.deps.users.replace(read, { ...read, tags: ['first'] });
    expect(stored).toMatchObject({ tags: ['first'], version: 1 });
    expect(await rt.deps.users.replace(read, { ...read, tags: ['second'] })).toBeUndefined();
    // The stored user is the base for the next change.
    expect(
      await rt.deps.users.replace(stored as VppUser, { ...(stored as VppUser), name: 'Ana' }),
    ).toMatchObject({
      version: 2,
    });
    expect(await rt.deps.users.get(user.accountId, user.id)).toMatchObject({
      tags: ['first'],
      name: 'Ana',
      version: 2,
    });
  });
});
