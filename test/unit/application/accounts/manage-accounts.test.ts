/**
 * Reading, changing, renewing, removing and syncing accounts (manage-accounts.ts, account-access.ts):
 * who sees and may change which account, a renewal only for the same location, the status starting
 * afresh, and what removing keeps and releases.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  getAccount,
  listAccounts,
  removeAccount,
  renewToken,
  startAccountSync,
  updateAccount,
} from '../../../../shared/application/accounts/manage-accounts.ts';
import {
  notificationSecretName,
  tokenSecretName,
} from '../../../../shared/application/accounts/token-guard.ts';
import { EMPTY_COUNTS } from '../../../../shared/application/ports/sync-state-repository.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../../shared/domain/errors.ts';
import { appleRefusal, type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  foreignAdmin,
  givenAccount,
  givenAsset,
  givenUsers,
  listedAdmin,
  orgAdmin,
  otherAdmin,
  tokenFile,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps, { name: 'B Office' });
  deps.vpp.clientConfig = { uId: account.location.uId, locationName: 'Main Office' };
});

describe('reading accounts', () => {
  it('lists what each role may see, by name, with the last sync and its counts as they are now', async () => {
    await givenAccount(deps, { id: 'account-2', name: 'A Office', allowedAdmins: [] });
    await givenAccount(deps, { id: 'account-3', orgId: foreignAdmin.orgId, name: 'Elsewhere' });
    await deps.syncStates.put({
      accountId: account.id,
      lastSyncAt: '2026-03-01T00:00:00.000Z',
      lastFullSyncAt: '2026-03-01T00:00:00.000Z',
      lastJobId: 'job-9',
      counts: EMPTY_COUNTS,
    });
    // Counts are the assets (sums over those not unlimited) and the users not retired, whatever the sync saw.
    givenAsset(deps, account, { adamId: '1', totalCount: 10, assignedCount: 4, availableCount: 6 });
    givenAsset(deps, account, { adamId: '2', totalCount: 5, assignedCount: 5, availableCount: 0 });
    givenAsset(deps, account, { adamId: '3', unlimited: true, totalCount: 2_147_483_647, assignedCount: 9 });
    givenAsset(deps, account, { adamId: '4', totalCount: 1, assignedCount: 0, availableCount: 1 });
    await givenUsers(deps, account, { status: 'Invited' }, { status: 'New' }, { status: 'Retired' });
    expect((await listAccounts(deps, orgAdmin)).map((a) => a.name)).toEqual(['A Office', 'B Office']);
    expect((await listAccounts(deps, viewer)).map((a) => a.name)).toEqual(['A Office', 'B Office']);
    expect((await listAccounts(deps, listedAdmin)).map((a) => a.name)).toEqual(['B Office']);
    expect(await listAccounts(deps, otherAdmin)).toEqual([]);
    expect(await getAccount(deps, listedAdmin, account.id)).toMatchObject({
      lastSync: { at: '2026-03-01T00:00:00.000Z', jobId: 'job-9', full: true },
      counts: { assets: 4, users: 2, licenses: { total: 16, assigned: 9, available: 7 } },
    });
  });

  it("answers 404 for another organisation's account and one an admin is not listed on", async () => {
    await expect(getAccount(deps, foreignAdmin, account.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAccount(deps, otherAdmin, account.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAccount(deps, orgAdmin, 'missing')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('updateAccount', () => {
  it('changes what is given (admins and networks without repeats) and records what changed', async () => {
    deps.clock.advance({ minutes: 5 });
    const view = await updateAccount(deps, orgAdmin, account.id, {
      name: 'Renamed',
      assignableNetworks: ['net-1', 'net-1', 'net-2'],
    });
    expect(view).toMatchObject({
      name: 'Renamed',
      assignableNetworks: ['net-1', 'net-2'],
      email: account.email,
    });
    expect(await deps.accounts.get(account.id)).toMatchObject({
      name: 'Renamed',
      updatedAt: deps.clock.iso(),
      version: 1,
    });
    expect(deps.audit.actions('account.updated')[0]?.details).toEqual({
      changed: ['name', 'assignableNetworks'],
    });
  });

  it('is for org-admins only: a listed admin and a viewer are refused', async () => {
    await expect(updateAccount(deps, listedAdmin, account.id, { name: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(updateAccount(deps, viewer, account.id, { name: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await deps.accounts.get(account.id))?.name).toBe('B Office');
  });
});

describe('renewToken', () => {
  it('replaces the token of a revoked account in place: the status and alerts start afresh', async () => {
    const read = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update(
      { ...read, status: 'revoked', statusAlerted: 'revoked', expiryAlertsSent: [30, 14] },
      read,
    );
    const file = tokenFile('2027-06-01T00:00:00.000Z');
    const view = await renewToken(deps, orgAdmin, account.id, { token: file, takeOver: false });
    expect(view).toMatchObject({ status: 'active', tokenExpiresAt: '2027-06-01T00:00:00.000Z' });
    const stored = await deps.accounts.get(account.id);
    expect(stored).toMatchObject({ expiryAlertsSent: [] });
    expect(stored?.statusAlerted).toBeUndefined();
    expect((await deps.secrets.get(tokenSecretName(account.id)))?.reveal()).toBe(file);
    // Apple is claimed again with the same notification secret.
    expect(deps.vpp.callsOf('updateClientConfig')[0]?.args[0]).toMatchObject({
      notificationAuthToken: `notification-secret-of-${account.id}`,
    });
    expect(deps.audit.actions('account.token_renewed')[0]?.details).toMatchObject({
      previousStatus: 'revoked',
    });
  });

  it('refuses a token of another location (token.location_mismatch) and keeps the old one', async () => {
    deps.vpp.clientConfig = { uId: 'another-location', locationName: 'Elsewhere' };
    const refused = renewToken(deps, orgAdmin, account.id, { token: tokenFile(), takeOver: false });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({ code: 'token.location_mismatch' });
    expect((await deps.secrets.get(tokenSecretName(account.id)))?.reveal()).toBe(`token-of-${account.id}`);
  });

  it('re-claims a location another MDM took only with takeOver', async () => {
    deps.vpp.clientConfig = {
      ...deps.vpp.clientConfig,
      mdmInfo: { id: 'other', name: 'Other MDM', metadata: '' },
    };
    await expect(
      renewToken(deps, orgAdmin, account.id, { token: tokenFile(), takeOver: false }),
    ).rejects.toMatchObject({
      code: 'token.claimed_elsewhere',
    });
    await expect(
      renewToken(deps, orgAdmin, account.id, { token: tokenFile(), takeOver: true }),
    ).resolves.toMatchObject({
      status: 'active',
    });
  });

  it('puts the old token back when Apple refuses the claim', async () => {
    deps.vpp.fail('updateClientConfig', appleRefusal(9712));
    await expect(
      renewToken(deps, orgAdmin, account.id, { token: tokenFile(), takeOver: false }),
    ).rejects.toMatchObject({
      code: 'account.notification_unreachable',
    });
    expect((await deps.secrets.get(tokenSecretName(account.id)))?.reveal()).toBe(`token-of-${account.id}`);
  });
});

describe('removeAccount', () => {
  it('releases the location, schedules the secrets for deletion, purges our copy in the background, and says what stays at Apple', async () => {
    await deps.syncStates.put({ accountId: account.id, counts: { ...EMPTY_COUNTS, assignments: 12 } });
    const answer = await removeAccount(deps, orgAdmin, account.id);
    expect(answer).toEqual({ id: account.id, removed: true, assignmentsKeptAtApple: 12 });
    expect(await deps.accounts.get(account.id)).toBeUndefined();
    expect(await deps.accounts.claimOf(account.location.uId)).toBeUndefined();
    expect(deps.secrets.removed.sort()).toEqual(
      [notificationSecretName(account.id), tokenSecretName(account.id)].sort(),
    );
    expect(await deps.syncStates.get(account.id)).toBeUndefined();
    expect(deps.queue.messages('jobs')).toEqual([
      { type: 'account-purge', orgId: account.orgId, accountId: account.id, removed: 0, recheck: false },
    ]);
    expect(deps.vpp.calls).toEqual([]);
  });

  it('is for org-admins only', async () => {
    await expect(removeAccount(deps, listedAdmin, account.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await deps.accounts.get(account.id)).toBeDefined();
  });
});

describe('startAccountSync', () => {
  it('lets org-admins and listed admins start a sync (a job, nothing rejected), not viewers', async () => {
    const { job, rejected } = await startAccountSync(deps, listedAdmin, account.id, true);
    expect(rejected).toEqual([]);
    expect(job).toMatchObject({ type: 'sync', state: 'queued', accountId: account.id });
    expect(job).not.toHaveProperty('orgId');
    expect(deps.queue.messages('jobs')).toMatchObject([
      { type: 'sync', jobId: job.id, full: true, scheduled: false },
    ]);
    expect(deps.audit.actions('account.sync_requested')[0]).toMatchObject({
      result: 'accepted',
      details: { jobId: job.id },
    });
    await expect(startAccountSync(deps, viewer, account.id, false)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startAccountSync(deps, otherAdmin, account.id, false)).rejects.toBeInstanceOf(NotFoundError);
  });
});
