/**
 * The rules of a grant or revocation request (shared/application/licenses/request-licenses.ts and
 * request-licenses-as-caller.ts): who may ask, which subjects are rejected and why, reservations that
 * never promise more than is free, and what is written and queued.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { requestLicenses } from '../../../../shared/application/licenses/request-licenses.ts';
import { requestLicensesAsCaller } from '../../../../shared/application/licenses/request-licenses-as-caller.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import type { AssetRecord } from '../../../../shared/domain/asset.ts';
import { ForbiddenError, NotFoundError, RuleViolationError } from '../../../../shared/domain/errors.ts';
import type { Actor } from '../../../../shared/domain/principal.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  foreignAdmin,
  givenAccount,
  givenAsset,
  givenDevices,
  givenHoldings,
  givenUsers,
  listedAdmin,
  orgAdmin,
  otherAdmin,
  queuedBatches,
  viewer,
} from '../../support/world.ts';

const actor: Actor = { type: 'user', id: orgAdmin.userId, email: orgAdmin.email, role: 'org-admin' };

let deps: FakeDeps;
let account: Account;
let asset: AssetRecord;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  asset = givenAsset(deps, account, { availableCount: 10 });
});

const grant = (
  over: { serialNumbers?: string[]; userIds?: string[] },
  a: AssetRecord = asset,
  acc = account,
) =>
  requestLicenses(deps, {
    kind: 'grant',
    account: acc,
    asset: a,
    serialNumbers: over.serialNumbers ?? [],
    userIds: over.userIds ?? [],
    actor,
    source: 'manual',
  });
const revoke = (over: { serialNumbers?: string[]; userIds?: string[] }, a: AssetRecord = asset) =>
  requestLicenses(deps, {
    kind: 'revoke',
    account,
    asset: a,
    serialNumbers: over.serialNumbers ?? [],
    userIds: over.userIds ?? [],
    actor,
    source: 'manual',
  });
/** The subjects the request's batches carry to the workers, as `type:id`, in order. */
const batched = async (queue: 'grants' | 'revocations' = 'grants') => {
  const labels: string[] = [];
  for (const m of deps.queue.messages(queue)) {
    const batch = (await deps.jobs.batches(m.jobId))[m.batch];
    labels.push(...(batch?.subjects ?? []).map((s) => `${s.type}:${s.id}`));
  }
  return labels;
};
const stateOf = async (type: 'device' | 'user', id: string) =>
  (await deps.assignments.get(account.id, asset.adamId, asset.pricingParam, type, id))?.state;

describe('requestLicenses: a grant', () => {
  it('reserves a licence per accepted subject and writes the job with its batch, and no record, and queues it', async () => {
    // Prepare
    await givenDevices(deps, { serialNumber: 'SERIAL1' }, { serialNumber: 'SERIAL2' });
    await givenUsers(deps, account, { id: 'ana', status: 'Associated' });
    // Act
    const { job, rejected } = await grant({
      serialNumbers: ['serial1', ' SERIAL2 ', 'SERIAL1'],
      userIds: ['ana'],
    });
    // Assess
    expect(rejected).toEqual([]);
    expect(job).toMatchObject({ type: 'grant', state: 'queued', requested: 3, accountId: account.id });
    expect(await deps.jobs.get(job.id)).toMatchObject({ requested: 3, state: 'queued' });
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 3 });
    // Nothing is written per subject in the call: the job's one batch carries them to the worker.
    expect(await deps.assignments.listByAccount(account.id)).toEqual([]);
    const [message, ...others] = deps.queue.messages('grants');
    expect(others).toEqual([]);
    expect(message).toMatchObject({ jobId: job.id, accountId: account.id, batch: 0 });
    expect(await deps.jobs.batches(job.id)).toMatchObject([
      {
        kind: 'grant',
        asset: { adamId: asset.adamId, pricingParam: 'STDQ' },
        source: 'manual',
        subjects: [
          { type: 'device', id: 'SERIAL1' },
          { type: 'device', id: 'SERIAL2' },
          { type: 'user', id: 'ana' },
        ],
      },
    ]);
    expect(deps.audit.actions('license.grant_requested')[0]).toMatchObject({
      result: 'accepted',
      details: { jobId: job.id, accepted: 3, rejected: 0 },
    });
  });

  it('rejects each subject that breaks a rule, with its reason, and grants the rest', async () => {
    // Prepare
    const limited = { ...account, assignableNetworks: ['net-ok'] };
    await givenDevices(
      deps,
      { serialNumber: 'OK', networkId: 'net-ok' },
      { serialNumber: 'WRONGNET', networkId: 'net-guest' },
      { serialNumber: 'HELD', networkId: 'net-ok' },
      { serialNumber: 'BUSY', networkId: 'net-ok' },
    );
    await givenUsers(
      deps,
      account,
      { id: 'new', status: 'New' },
      { id: 'retired', status: 'Retired' },
      { id: 'invited', status: 'Invited' },
    );
    givenHoldings(
      deps,
      account,
      { subjectId: 'HELD', state: 'granted' },
      { subjectId: 'BUSY', state: 'pending-revoke', jobId: 'j0' },
    );
    // Act
    const { job, rejected } = await grant(
      {
        serialNumbers: ['OK', 'WRONGNET', 'UNKNOWN', 'HELD', 'BUSY'],
        userIds: ['new', 'retired', 'ghost', 'invited'],
      },
      asset,
      limited,
    );
    // Assess
    expect(Object.fromEntries(rejected.map((r) => [r.subject, r.code]))).toEqual({
      'device:WRONGNET': 'device.network_not_assignable',
      'device:UNKNOWN': 'device.not_found',
      'device:HELD': 'license.already_assigned',
      'device:BUSY': 'assignment.in_flight',
      'user:new': 'user.not_invited',
      'user:retired': 'user.not_invited',
      'user:ghost': 'user.not_found',
    });
    for (const r of rejected) expect(r.reason.length).toBeGreaterThan(0);
    expect(job.requested).toBe(2);
    expect(await batched()).toEqual(['device:OK', 'user:invited']);
    expect(await stateOf('device', 'BUSY')).toBe('pending-revoke');
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 2 });
  });

  it('never gives a device a licence of an asset that only users may hold', async () => {
    const userOnly = givenAsset(deps, account, { adamId: '555', deviceAssignable: false });
    await givenDevices(deps, { serialNumber: 'SERIAL1' });
    await givenUsers(deps, account, { id: 'ana' });
    const { rejected } = await grant({ serialNumbers: ['SERIAL1'], userIds: ['ana'] }, userOnly);
    expect(rejected).toMatchObject([{ subject: 'device:SERIAL1', code: 'asset.not_device_assignable' }]);
  });

  it('rejects a device whose platform the asset does not run on (Apple names, any case, iPadOS as iOS), and checks no other', async () => {
    const app = givenAsset(deps, account, { adamId: '888', supportedPlatforms: ['iOS', 'visionOS'] });
    await givenDevices(
      deps,
      { serialNumber: 'MAC', platform: 'macOS' },
      { serialNumber: 'TV', platform: 'TVOS' },
      { serialNumber: 'IPAD', platform: 'iPadOS' },
      { serialNumber: 'VISION', platform: 'visionos' },
      { serialNumber: 'NOPLATFORM' },
      { serialNumber: 'ODD', platform: 'android' },
    );
    const { job, rejected } = await grant(
      { serialNumbers: ['MAC', 'TV', 'IPAD', 'VISION', 'NOPLATFORM', 'ODD'] },
      app,
    );
    expect(rejected).toEqual([
      {
        subject: 'device:MAC',
        code: 'device.platform_unsupported',
        reason: "This asset runs on iOS, visionOS; the device's platform is macOS.",
      },
      {
        subject: 'device:TV',
        code: 'device.platform_unsupported',
        reason: "This asset runs on iOS, visionOS; the device's platform is TVOS.",
      },
    ]);
    expect(job.requested).toBe(4);
    expect(await deps.assignments.get(account.id, '888', 'STDQ', 'device', 'MAC')).toBeUndefined();
    expect(await batched()).toContain('device:IPAD');
  });

  it('takes a licence back from a device of any platform', async () => {
    const app = givenAsset(deps, account, { adamId: '888', supportedPlatforms: ['iOS'] });
    await givenDevices(deps, { serialNumber: 'MAC', platform: 'macOS' });
    givenHoldings(deps, account, { adamId: '888', subjectId: 'MAC', state: 'granted' });
    const { job, rejected } = await revoke({ serialNumbers: ['MAC'] }, app);
    expect(rejected).toEqual([]);
    expect(job.requested).toBe(1);
  });

  it('grants again a subject whose earlier grant failed or was revoked', async () => {
    await givenDevices(deps, { serialNumber: 'FAILED' }, { serialNumber: 'REVOKED' });
    givenHoldings(
      deps,
      account,
      { subjectId: 'FAILED', state: 'failed' },
      { subjectId: 'REVOKED', state: 'revoked' },
    );
    const { job, rejected } = await grant({ serialNumbers: ['FAILED', 'REVOKED'] });
    expect(rejected).toEqual([]);
    expect(job.requested).toBe(2);
    expect(await batched()).toEqual(['device:FAILED', 'device:REVOKED']);
  });

  it('rejects subjects beyond the free licences as licenses.exhausted, in the order given', async () => {
    // Prepare: 3 available, 1 already reserved by a grant in flight
    const scarce = givenAsset(deps, account, { adamId: '777', availableCount: 3, pendingCount: 1 });
    await givenDevices(deps, ...['A', 'B', 'C', 'D'].map((serialNumber) => ({ serialNumber })));
    // Act
    const { job, rejected } = await grant({ serialNumbers: ['D', 'C', 'B', 'A'] }, scarce);
    // Assess
    expect(job.requested).toBe(2);
    expect(rejected.map((r) => `${r.subject}=${r.code}`)).toEqual([
      'device:B=licenses.exhausted',
      'device:A=licenses.exhausted',
    ]);
    expect(await deps.assets.get(account.id, '777', 'STDQ')).toMatchObject({ pendingCount: 3 });
    expect(await batched()).toEqual(['device:D', 'device:C']);
  });

  it('grants whatever is asked of an unlimited asset', async () => {
    const free = givenAsset(deps, account, {
      adamId: '888',
      unlimited: true,
      availableCount: 0,
      totalCount: 2_147_483_647,
    });
    await givenDevices(deps, { serialNumber: 'A' }, { serialNumber: 'B' });
    const { job } = await grant({ serialNumbers: ['A', 'B'] }, free);
    expect(job.requested).toBe(2);
  });

  it('answers license.nothing_to_do with every reason when nothing can go, and writes nothing', async () => {
    const none = givenAsset(deps, account, { adamId: '999', availableCount: 0 });
    await givenDevices(deps, { serialNumber: 'A' });
    const refused = grant({ serialNumbers: ['A', 'GHOST'] }, none);
    await expect(refused).rejects.toBeInstanceOf(RuleViolationError);
    await expect(refused).rejects.toMatchObject({
      code: 'license.nothing_to_do',
      details: {
        rejected: [
          { subject: 'device:GHOST', code: 'device.not_found' },
          { subject: 'device:A', code: 'licenses.exhausted' },
        ],
      },
    });
    expect(deps.queue.sent).toEqual([]);
    expect(deps.audit.entries()).toEqual([]);
    expect(await deps.assignments.listByAccount(account.id)).toEqual([]);
  });

  it('gives the reservation back when the job and its batches cannot be written', async () => {
    await givenDevices(deps, { serialNumber: 'SERIAL1' });
    deps.jobs.createWithBatches = async () => {
      throw new Error('the table is unavailable');
    };
    await expect(grant({ serialNumbers: ['SERIAL1'] })).rejects.toThrow('the table is unavailable');
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
    expect(deps.queue.sent).toEqual([]);
  });

  it('refuses a subject an earlier request queued, before any worker wrote its record', async () => {
    await givenDevices(deps, { serialNumber: 'SERIAL1' }, { serialNumber: 'SERIAL2' });
    await grant({ serialNumbers: ['SERIAL1'] });
    const { job, rejected } = await grant({ serialNumbers: ['SERIAL1', 'SERIAL2'] });
    expect(job.requested).toBe(1);
    expect(rejected).toMatchObject([{ subject: 'device:SERIAL1', code: 'assignment.in_flight' }]);
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 2 });
    // Once its batch is closed, its record says where it stands.
    const [firstBatch] = await deps.jobs.batches((await queuedBatches(deps))[0]?.jobId ?? '');
    await deps.jobs.takeBatch(firstBatch?.jobId ?? '', 0, { id: 'claim:w', at: deps.clock.iso() });
    await deps.settlements.closeBatch({
      jobId: firstBatch?.jobId ?? '',
      index: 0,
      claimId: 'claim:w',
      eventIds: [],
      refused: 0,
      completed: 0,
    });
    const { rejected: after } = await grant({ serialNumbers: ['SERIAL1'] });
    expect(after).toEqual([]);
  });

  it('carries at most 1,000 subjects per batch, one queue message each', async () => {
    const many = givenAsset(deps, account, { adamId: '1000', totalCount: 2500, availableCount: 2500 });
    const serials = Array.from({ length: 2345 }, (_, i) => `S${String(i).padStart(5, '0')}`);
    await givenDevices(deps, ...serials.map((serialNumber) => ({ serialNumber })));
    const { job } = await grant({ serialNumbers: serials }, many);
    expect(job.requested).toBe(2345);
    expect(deps.queue.messages('grants').map((m) => m.batch)).toEqual([0, 1, 2]);
    expect((await deps.jobs.batches(job.id)).map((b) => b.subjects.length)).toEqual([1000, 1000, 345]);
  });

  it.each(['revoked', 'claimed-elsewhere', 'invalid', 'expired'] as const)(
    'changes nothing while the account is %s',
    async (status) => {
      await givenDevices(deps, { serialNumber: 'SERIAL1' });
      const blocked = { ...account, status };
      await expect(grant({ serialNumbers: ['SERIAL1'] }, asset, blocked)).rejects.toMatchObject({
        code: `account.${status.replace('-', '_')}`,
      });
      expect(deps.queue.sent).toEqual([]);
      expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
    },
  );
});

describe('requestLicenses: a revocation', () => {
  it('takes back only what the subject holds, and queues it on the revocations queue', async () => {
    await givenUsers(deps, account, { id: 'ana' }, { id: 'ben' });
    givenHoldings(
      deps,
      account,
      { subjectType: 'user', subjectId: 'ana' },
      { subjectType: 'user', subjectId: 'ben', state: 'failed' },
    );
    const { job, rejected } = await revoke({ userIds: ['ana', 'ben'], serialNumbers: ['NOPE'] });
    expect(job).toMatchObject({ type: 'revocation', requested: 1 });
    expect(rejected.map((r) => `${r.subject}=${r.code}`).sort()).toEqual([
      'device:NOPE=license.not_assigned',
      'user:ben=license.not_assigned',
    ]);
    expect(deps.queue.messages('grants')).toEqual([]);
    expect(await batched('revocations')).toEqual(['user:ana']);
    // A revocation reserves nothing.
    expect(await deps.assets.get(account.id, asset.adamId, 'STDQ')).toMatchObject({ pendingCount: 0 });
  });

  it('never takes back a book: every subject is rejected as asset.irrevocable', async () => {
    const book = givenAsset(deps, account, {
      adamId: '444',
      productType: 'Book',
      revocable: false,
      deviceAssignable: false,
    });
    givenHoldings(deps, account, { adamId: '444', subjectType: 'user', subjectId: 'ana' });
    await expect(revoke({ userIds: ['ana'], serialNumbers: ['X'] }, book)).rejects.toMatchObject({
      code: 'asset.irrevocable',
      details: {
        rejected: [
          { subject: 'device:X', code: 'asset.irrevocable' },
          { subject: 'user:ana', code: 'asset.irrevocable' },
        ],
      },
    });
    expect((await deps.assignments.get(account.id, '444', 'STDQ', 'user', 'ana'))?.state).toBe('granted');
  });
});

describe('requestLicensesAsCaller', () => {
  const input = { accountId: 'account-1', adamId: '361309726', serialNumbers: ['SERIAL1'], userIds: [] };
  beforeEach(async () => {
    await givenDevices(deps, { serialNumber: 'SERIAL1' });
  });

  it('lets an org-admin and an admin the account lists ask, and answers the job without the organisation', async () => {
    const { job } = await requestLicensesAsCaller(deps, listedAdmin, 'grant', input);
    expect(job).toMatchObject({ type: 'grant', requested: 1 });
    expect(job).not.toHaveProperty('orgId');
    expect(deps.audit.actions('license.grant_requested')[0]?.actor).toMatchObject({
      type: 'user',
      email: listedAdmin.email,
    });
  });

  it('is a 403 for a viewer and a 404 for an unlisted admin or another organisation', async () => {
    await expect(requestLicensesAsCaller(deps, viewer, 'grant', input)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(requestLicensesAsCaller(deps, otherAdmin, 'grant', input)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(requestLicensesAsCaller(deps, foreignAdmin, 'grant', input)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(deps.queue.sent).toEqual([]);
  });

  it('needs the pricing parameter for an adamId held with both, and 404s an asset the account lacks', async () => {
    givenAsset(deps, account, { pricingParam: 'PLUS' });
    await expect(requestLicensesAsCaller(deps, orgAdmin, 'grant', input)).rejects.toMatchObject({
      code: 'asset.ambiguous',
    });
    const { job } = await requestLicensesAsCaller(deps, orgAdmin, 'grant', {
      ...input,
      pricingParam: 'PLUS',
    });
    expect(deps.queue.messages('grants')[0]).toMatchObject({ jobId: job.id });
    expect(await deps.jobs.batches(job.id)).toMatchObject([{ asset: { pricingParam: 'PLUS' } }]);
    await expect(
      requestLicensesAsCaller(deps, orgAdmin, 'grant', { ...input, adamId: '404' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
