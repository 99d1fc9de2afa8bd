/**
 * Adding an account from a content token (shared/application/accounts/add-account.ts): who may, which
 * tokens and locations are refused (and that nothing is left behind then), where the secrets go, the
 * claim at Apple, and the first sync.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { addAccount } from '../../../../shared/application/accounts/add-account.ts';
import { appleCanNotify } from '../../../../shared/application/accounts/claim-location.ts';
import {
  notificationSecretName,
  tokenSecretName,
} from '../../../../shared/application/accounts/token-guard.ts';
import {
  ConflictError,
  ForbiddenError,
  RuleViolationError,
  ValidationError,
} from '../../../../shared/domain/errors.ts';
import { appleRefusal, FAKE_SETTINGS, type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { foreignAdmin, givenAccount, listedAdmin, orgAdmin, tokenFile } from '../../support/world.ts';

let deps: FakeDeps;
const input = (over = {}) => ({
  name: 'Main Office',
  email: 'it@example.test',
  token: tokenFile(),
  allowedAdmins: ['listed@example.test', 'listed@example.test'],
  assignableNetworks: [],
  takeOver: false,
  ...over,
});

beforeEach(() => {
  deps = fakeDeps();
  deps.vpp.clientConfig = { uId: 'location-9', locationName: 'Main Office', countryISO2ACode: 'GB' };
});

describe('addAccount', () => {
  it('stores the token and a fresh notification secret, claims the location at Apple, and starts a full sync', async () => {
    // Act
    const view = await addAccount(deps, orgAdmin, input());
    // Assess: the account and its claim
    const stored = await deps.accounts.get(view.id);
    expect(stored).toMatchObject({
      orgId: orgAdmin.orgId,
      status: 'active',
      allowedAdmins: ['listed@example.test'],
      location: { uId: 'location-9', organizationName: 'Example School', name: 'Main Office' },
      mdmId: `vpp-manager:test:${view.id}`,
      tokenExpiresAt: '2027-03-02T09:00:00.000Z',
    });
    expect(await deps.accounts.claimOf('location-9')).toMatchObject({
      accountId: view.id,
      orgId: orgAdmin.orgId,
    });
    // The token is the whole file content; the secret is new and random; neither is in the account.
    expect((await deps.secrets.get(tokenSecretName(view.id)))?.reveal()).toBe(input().token);
    const secret = (await deps.secrets.get(notificationSecretName(view.id)))?.reveal();
    expect(secret?.length).toBeGreaterThanOrEqual(22);
    expect(JSON.stringify(stored)).not.toContain(secret);
    // Apple is told where to notify, with the secret.
    const [claim] = deps.vpp.callsOf('updateClientConfig');
    expect(claim?.args[0]).toMatchObject({
      mdmInfo: { id: `vpp-manager:test:${view.id}`, name: 'VPP Manager' },
      notificationUrl: `https://vpp.example.test/apple/notifications/${view.id}`,
      notificationAuthToken: secret,
    });
    // A full sync, with its job.
    const [sync] = deps.queue.messages('jobs');
    expect(sync).toMatchObject({ type: 'sync', accountId: view.id, full: true, scheduled: false });
    expect(await deps.jobs.get((sync as { jobId: string }).jobId)).toMatchObject({
      type: 'sync',
      state: 'queued',
    });
    // The answer names that job (syncJob), waiting for the queue.
    expect(view.syncJob).toMatchObject({
      id: (sync as { jobId: string }).jobId,
      type: 'sync',
      accountId: view.id,
      state: 'queued',
      waitingFor: { kind: 'queue' },
    });
    expect(deps.audit.actions('account.created')).toHaveLength(1);
    expect(view).toMatchObject({ id: view.id, status: 'active', lastSync: null });
  });

  it('writes only its mdmInfo, no notification settings, where Apple cannot reach the service', async () => {
    // Local mode against the real Apple: an http public URL on this machine.
    const local = fakeDeps({
      settings: { ...FAKE_SETTINGS, publicBaseUrl: 'http://127.0.0.1:8080', allowHttpNotifications: true },
    });
    local.vpp.clientConfig = deps.vpp.clientConfig;
    const view = await addAccount(local, orgAdmin, input());
    const [claim] = local.vpp.callsOf('updateClientConfig');
    expect(claim?.args[0]).toEqual({
      mdmInfo: { id: `vpp-manager:test:${view.id}`, name: 'VPP Manager', metadata: 'vpp-manager test' },
    });
    expect(view.status).toBe('active');
    expect(local.queue.messages('jobs')).toHaveLength(1);
  });

  it('registers notifications where Apple can reach them: an https public host, or this machine for an Apple on it', () => {
    const apple = 'https://vpp.itunes.apple.com/mdm/v2';
    const standIn = 'http://127.0.0.1:8081/mdm/v2';
    const can = (publicBaseUrl: string, vppBaseUrl: string, allowHttpNotifications = true) =>
      appleCanNotify({ publicBaseUrl, vppBaseUrl, allowHttpNotifications });
    expect(can('https://vpp.example.org', apple, false)).toBe(true);
    expect(can('https://vpp.example.org', standIn)).toBe(true);
    expect(can('http://vpp.example.org', apple)).toBe(false);
    expect(can('http://127.0.0.1:8080', apple)).toBe(false);
    expect(can('https://localhost:8443', apple)).toBe(false);
    expect(can('http://127.0.0.1:8080', standIn)).toBe(true);
    expect(can('http://localhost:8080', 'http://[::1]:9000/mdm/v2')).toBe(true);
    expect(can('http://127.0.0.1:8080', standIn, false)).toBe(false);
    expect(can('http://127.0.0.1:8080', 'http://apple-stand-in.example.org/mdm/v2')).toBe(false);
  });

  it("takes Apple's expiry date over the file's, and an account expiring within 30 days is expiring", async () => {
    deps.vpp.clientConfig = { ...deps.vpp.clientConfig, tokenExpirationDate: '2026-03-20T09:00:00+0000' };
    const view = await addAccount(deps, orgAdmin, input());
    expect(view).toMatchObject({ tokenExpiresAt: '2026-03-20T09:00:00.000Z', status: 'expiring' });
  });

  it('is for org-admins only', async () => {
    await expect(addAccount(deps, listedAdmin, input())).rejects.toBeInstanceOf(ForbiddenError);
    expect(deps.vpp.calls).toEqual([]);
  });

  it('refuses a blank, malformed or expired file without asking Apple', async () => {
    await expect(addAccount(deps, orgAdmin, input({ token: '  ' }))).rejects.toMatchObject({
      code: 'token.blank',
    });
    await expect(addAccount(deps, orgAdmin, input({ token: 'not base64!' }))).rejects.toBeInstanceOf(
      ValidationError,
    );
    const expired = addAccount(deps, orgAdmin, input({ token: tokenFile('2026-01-01T00:00:00.000Z') }));
    await expect(expired).rejects.toBeInstanceOf(RuleViolationError);
    await expect(expired).rejects.toMatchObject({ code: 'token.expired' });
    expect(deps.vpp.calls).toEqual([]);
  });

  it.each([
    [9625, 'token.revoked'],
    [9621, 'token.expired'],
    [9622, 'token.invalid'],
  ])('refuses a token Apple answers with %i as %s, keeping nothing', async (errorNumber, code) => {
    deps.vpp.fail('getClientConfig', appleRefusal(errorNumber));
    await expect(addAccount(deps, orgAdmin, input())).rejects.toMatchObject({ code });
    expect(await deps.accounts.listAll()).toEqual([]);
    expect(deps.secrets.values.size).toBe(0);
  });

  it('refuses a location this organisation already has, naming the account', async () => {
    const existing = await givenAccount(deps, {
      location: { uId: 'location-9', organizationName: 'X', name: 'X' },
    });
    const refused = addAccount(deps, orgAdmin, input());
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({
      code: 'token.duplicate_location',
      details: { accountId: existing.id },
    });
  });

  it('refuses a location another organisation holds, without naming it', async () => {
    await givenAccount(deps, {
      orgId: foreignAdmin.orgId,
      location: { uId: 'location-9', organizationName: 'X', name: 'X' },
    });
    const refused = addAccount(deps, orgAdmin, input());
    await expect(refused).rejects.toMatchObject({ code: 'token.claimed_elsewhere' });
    await expect(refused).rejects.not.toHaveProperty('details.accountId');
  });

  it('refuses a location another MDM holds, naming it, unless asked to take it over', async () => {
    deps.vpp.clientConfig = {
      ...deps.vpp.clientConfig,
      mdmInfo: { id: 'other-mdm-id', name: 'Other MDM', metadata: '' },
    };
    await expect(addAccount(deps, orgAdmin, input())).rejects.toMatchObject({
      code: 'token.claimed_elsewhere',
      details: { mdmName: 'Other MDM' },
    });
    expect(deps.vpp.callsOf('updateClientConfig')).toEqual([]);
    const view = await addAccount(deps, orgAdmin, input({ takeOver: true }));
    expect(view.status).toBe('active');
    expect(deps.audit.actions('account.created')[0]?.details).toMatchObject({ takeOver: true });
  });

  it('treats a location this service claimed before (its own mdmInfo) as free to add', async () => {
    deps.vpp.clientConfig = {
      ...deps.vpp.clientConfig,
      mdmInfo: { id: 'vpp-manager:test:old-account', name: 'VPP Manager', metadata: '' },
    };
    await expect(addAccount(deps, orgAdmin, input())).resolves.toMatchObject({ status: 'active' });
  });

  it('removes everything it wrote when Apple cannot reach the notification URL', async () => {
    deps.vpp.fail('updateClientConfig', appleRefusal(9712));
    await expect(addAccount(deps, orgAdmin, input())).rejects.toMatchObject({
      code: 'account.notification_unreachable',
      kind: 'upstream',
    });
    expect(await deps.accounts.listAll()).toEqual([]);
    expect(await deps.accounts.claimOf('location-9')).toBeUndefined();
    expect(deps.secrets.values.size).toBe(0);
    expect(deps.queue.sent).toEqual([]);
    expect(deps.audit.entries()).toEqual([]);
  });
});
