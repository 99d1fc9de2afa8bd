/**
 * The device inventory (shared/application/devices/manage-devices.ts): written by org-admins, read by
 * everyone, serials in upper case; removing a device reclaims its revocable licences in every account
 * that still exists, as a job.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  getDevice,
  listDevices,
  putDevices,
  removeDevice,
} from '../../../../shared/application/devices/manage-devices.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ForbiddenError, NotFoundError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenDevices,
  givenHoldings,
  listedAdmin,
  orgAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('putDevices', () => {
  it('upserts devices with upper-case serials (the last entry of a serial wins), keeps creation times, and asks for a reconciliation', async () => {
    await givenDevices(deps, { serialNumber: 'OLD1', createdAt: '2026-01-01T00:00:00.000Z' });
    const answer = await putDevices(deps, orgAdmin, [
      { serialNumber: 'old1', networkId: 'net-2', tags: ['a', 'a'] },
      { serialNumber: 'new1', networkId: 'net-1', tags: [] },
      { serialNumber: 'NEW1', networkId: 'net-3', tags: [], ownerEmail: 'ana@example.test' },
    ]);
    expect(answer).toEqual({ created: 1, updated: 1 });
    expect(await deps.devices.get('org-1', 'OLD1')).toMatchObject({
      networkId: 'net-2',
      tags: ['a'],
      createdAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: deps.clock.iso(),
    });
    expect(await deps.devices.get('org-1', 'NEW1')).toMatchObject({
      networkId: 'net-3',
      ownerEmail: 'ana@example.test',
    });
    expect(deps.queue.messages('jobs')).toMatchObject([{ type: 'reconcile', orgId: 'org-1' }]);
    expect(deps.audit.actions('device.upserted')[0]?.details).toMatchObject({ created: 1, updated: 1 });
  });

  it('is for org-admins only', async () => {
    await expect(
      putDevices(deps, listedAdmin, [{ serialNumber: 'X', networkId: 'n', tags: [] }]),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await deps.devices.listByOrg('org-1')).toEqual([]);
  });
});

describe('reading devices', () => {
  it('lists the organisation’s devices by network, tag and serial prefix, in pages', async () => {
    await givenDevices(
      deps,
      { serialNumber: 'A', tags: ['lab'] },
      { serialNumber: 'B', networkId: 'net-2' },
      { serialNumber: 'C', tags: ['lab'] },
    );
    expect(
      (await listDevices(deps, viewer, { limit: 10, tag: 'lab' })).items.map((d) => d.serialNumber),
    ).toEqual(['A', 'C']);
    expect(
      (await listDevices(deps, viewer, { limit: 10, networkId: 'net-2' })).items.map((d) => d.serialNumber),
    ).toEqual(['B']);
    expect(
      (await listDevices(deps, viewer, { limit: 10, serialPrefix: ' b' })).items.map((d) => d.serialNumber),
    ).toEqual(['B']);
    expect((await listDevices(deps, viewer, { limit: 10, serialPrefix: 'Z' })).items).toEqual([]);
    const first = await listDevices(deps, viewer, { limit: 2 });
    expect(first.items.map((d) => d.serialNumber)).toEqual(['A', 'B']);
    const second = await listDevices(deps, viewer, { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((d) => d.serialNumber)).toEqual(['C']);
    expect(second.nextCursor).toBeUndefined();
  });

  it("shows a device's licences in the accounts the caller may read, held or about to be", async () => {
    const hidden = await givenAccount(deps, { id: 'account-2', allowedAdmins: [] });
    await givenDevices(deps, { serialNumber: 'A' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'A' },
      { subjectId: 'A', adamId: '2', state: 'revoked' },
      { subjectId: 'A', adamId: '3', state: 'pending-grant' },
    );
    givenHoldings(deps, hidden, { subjectId: 'A' });
    const seen = await getDevice(deps, listedAdmin, 'a');
    expect(seen.licenses.map((l) => `${l.accountId}/${l.adamId}:${l.state}`).sort()).toEqual([
      'account-1/361309726:granted',
      'account-1/3:pending-grant',
    ]);
    expect((await getDevice(deps, orgAdmin, 'A')).licenses).toHaveLength(3);
    await expect(getDevice(deps, viewer, 'NOPE')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names each licence by its asset (name, productType, pricingParam), and by adamId alone when the asset is gone', async () => {
    givenAsset(deps, account, { name: 'Pages' });
    givenAsset(deps, account, { adamId: '2', pricingParam: 'PLUS', name: 'Big Book', productType: 'Book' });
    await givenDevices(deps, { serialNumber: 'A' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'A' },
      { subjectId: 'A', adamId: '2', pricingParam: 'PLUS', state: 'pending-grant' },
      { subjectId: 'A', adamId: 'gone' },
    );
    const { licenses } = await getDevice(deps, orgAdmin, 'A');
    expect(
      licenses
        .map((l) => ({
          adamId: l.adamId,
          pricingParam: l.pricingParam,
          name: l.name,
          productType: l.productType,
        }))
        .sort((a, b) => a.adamId.localeCompare(b.adamId)),
    ).toEqual([
      { adamId: '2', pricingParam: 'PLUS', name: 'Big Book', productType: 'Book' },
      { adamId: '361309726', pricingParam: 'STDQ', name: 'Pages', productType: 'App' },
      { adamId: 'gone', pricingParam: 'STDQ', name: undefined, productType: undefined },
    ]);
    expect(licenses.find((l) => l.adamId === 'gone')).not.toHaveProperty('name');
    expect(licenses[0]).toMatchObject({ accountId: account.id, subjectType: 'device', subjectId: 'A' });
  });
});

describe('removeDevice', () => {
  it('moves its revocable licences in every account to pending-revoke for one job, and queues the job', async () => {
    const second = await givenAccount(deps, { id: 'account-2' });
    givenAsset(deps, account);
    givenAsset(deps, second, { adamId: '2' });
    givenAsset(deps, account, { adamId: 'book', revocable: false });
    await givenDevices(deps, { serialNumber: 'DEV' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'DEV' },
      { subjectId: 'DEV', adamId: 'book' },
      { subjectId: 'DEV', adamId: '9', state: 'failed' },
    );
    givenHoldings(deps, second, { subjectId: 'DEV', adamId: '2' });
    const { job, rejected } = await removeDevice(deps, orgAdmin, 'dev');
    expect(job).toMatchObject({ type: 'device-removal', state: 'queued', requested: 2 });
    expect(rejected).toEqual([]);
    expect(await deps.devices.get('org-1', 'DEV')).toBeUndefined();
    expect(await deps.assignments.get(account.id, '361309726', 'STDQ', 'device', 'DEV')).toMatchObject({
      state: 'pending-revoke',
      jobId: job.id,
    });
    expect(await deps.assignments.get(second.id, '2', 'STDQ', 'device', 'DEV')).toMatchObject({
      state: 'pending-revoke',
      jobId: job.id,
    });
    expect((await deps.assignments.get(account.id, 'book', 'STDQ', 'device', 'DEV'))?.state).toBe('granted');
    expect(deps.queue.messages('jobs')).toEqual([
      { type: 'device-removal', orgId: 'org-1', jobId: job.id, serialNumber: 'DEV' },
    ]);
  });

  it('ends at once, queueing nothing, when the device holds nothing to take back', async () => {
    await givenDevices(deps, { serialNumber: 'DEV' });
    // A removed account's records wait for their purge: Apple keeps those.
    givenHoldings(deps, { id: 'removed-account', orgId: 'org-1' }, { subjectId: 'DEV' });
    const { job } = await removeDevice(deps, orgAdmin, 'DEV');
    expect(job).toMatchObject({ state: 'succeeded', requested: 0 });
    expect(deps.queue.messages('jobs')).toEqual([]);
  });

  it('is for org-admins only, and 404s an unknown device', async () => {
    await givenDevices(deps, { serialNumber: 'DEV' });
    await expect(removeDevice(deps, listedAdmin, 'DEV')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(removeDevice(deps, orgAdmin, 'NOPE')).rejects.toBeInstanceOf(NotFoundError);
    expect(await deps.devices.get('org-1', 'DEV')).toBeDefined();
  });
});
