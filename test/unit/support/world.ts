/**
 * Builders of a small world for unit tests: callers of each role, and accounts, assets, devices, users
 * and licence records written straight into the fakes (with the account's token in the secret store),
 * so a test says only what matters to its rule.
 */
import { notificationSecretName, tokenSecretName } from '../../../shared/application/accounts/token-guard.ts';
import type { ResponseAsset } from '../../../shared/application/ports/vpp-schemas.ts';
import type { Account } from '../../../shared/domain/account.ts';
import type { AssetRecord } from '../../../shared/domain/asset.ts';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import { encodeContentToken } from '../../../shared/domain/content-token.ts';
import type { Deployment } from '../../../shared/domain/deployment.ts';
import type { Device } from '../../../shared/domain/device.ts';
import type { Job, JobBatch } from '../../../shared/domain/job.ts';
import type { Principal } from '../../../shared/domain/principal.ts';
import { Secret } from '../../../shared/domain/secret.ts';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';
import type { FakeDeps } from '../../support/fakes/index.ts';

export const ORG = 'org-1';

export const orgAdmin: Principal = {
  userId: 'sub-admin',
  email: 'admin@example.test',
  orgId: ORG,
  role: 'org-admin',
};
export const listedAdmin: Principal = {
  userId: 'sub-listed',
  email: 'listed@example.test',
  orgId: ORG,
  role: 'admin',
};
export const otherAdmin: Principal = {
  userId: 'sub-other',
  email: 'other@example.test',
  orgId: ORG,
  role: 'admin',
};
export const viewer: Principal = {
  userId: 'sub-viewer',
  email: 'viewer@example.test',
  orgId: ORG,
  role: 'viewer',
};
export const foreignAdmin: Principal = {
  userId: 'sub-foreign',
  email: 'admin@elsewhere.test',
  orgId: 'org-2',
  role: 'org-admin',
};

type World = Pick<
  FakeDeps,
  | 'accounts'
  | 'secrets'
  | 'assets'
  | 'devices'
  | 'users'
  | 'assignments'
  | 'jobs'
  | 'deployments'
  | 'clock'
  | 'vpp'
>;

/** A content token file as Apple's download holds it. */
export const tokenFile = (expiresAt = '2027-03-02T09:00:00.000Z', orgName = 'Example School') =>
  encodeContentToken({ token: `inner-${expiresAt}-${orgName}`, expiresAt: new Date(expiresAt), orgName });

/** An active account of ORG (the listed admin may manage it), with its token and notification secret stored. */
export async function givenAccount(deps: World, over: Partial<Account> = {}): Promise<Account> {
  const id = over.id ?? 'account-1';
  const now = deps.clock.now().toISOString();
  const account: Account = {
    id,
    orgId: ORG,
    name: 'Main Office',
    email: 'contact@example.test',
    allowedAdmins: [listedAdmin.email],
    assignableNetworks: [],
    location: { uId: `location-${id}`, organizationName: 'Example School', name: 'Main Office' },
    mdmId: `vpp-manager:test:${id}`,
    tokenExpiresAt: '2027-03-02T09:00:00.000Z',
    status: 'active',
    expiryAlertsSent: [],
    createdAt: now,
    updatedAt: now,
    createdBy: orgAdmin.email,
    version: 0,
    ...over,
  };
  const created = await deps.accounts.create(account);
  if (!created.created) throw new Error(`location of ${id} already claimed`);
  await deps.secrets.put(tokenSecretName(id), new Secret(`token-of-${id}`));
  await deps.secrets.put(notificationSecretName(id), new Secret(`notification-secret-of-${id}`));
  return account;
}

export function anAsset(account: Pick<Account, 'id'>, over: Partial<AssetRecord> = {}): AssetRecord {
  return {
    accountId: account.id,
    adamId: '361309726',
    pricingParam: 'STDQ',
    productType: 'App',
    name: 'Pages',
    deviceAssignable: true,
    revocable: true,
    supportedPlatforms: ['iOS'],
    unlimited: false,
    totalCount: 10,
    assignedCount: 0,
    availableCount: 10,
    retiredCount: 0,
    pendingCount: 0,
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...over,
  };
}

export function givenAsset(
  deps: World,
  account: Pick<Account, 'id'>,
  over: Partial<AssetRecord> = {},
): AssetRecord {
  const asset = anAsset(account, over);
  deps.assets.seed(asset);
  return asset;
}

/** An asset as Apple's `GET assets` lists it (the same asset as `anAsset`, 10 free). */
export function anAppleAsset(over: Partial<ResponseAsset> = {}): ResponseAsset {
  return {
    adamId: '361309726',
    pricingParam: 'STDQ',
    productType: 'App',
    deviceAssignable: true,
    revocable: true,
    supportedPlatforms: ['iOS'],
    totalCount: 10,
    assignedCount: 0,
    availableCount: 10,
    retiredCount: 0,
    ...over,
  };
}

/** The fake Apple lists the asset with these counts (replacing what it said of it before). */
export function givenAppleAsset(deps: World, over: Partial<ResponseAsset> = {}): ResponseAsset {
  const asset = anAppleAsset(over);
  deps.vpp.assets = [
    ...deps.vpp.assets.filter((a) => a.adamId !== asset.adamId || a.pricingParam !== asset.pricingParam),
    asset,
  ];
  return asset;
}

export async function givenDevices(deps: World, ...devices: Partial<Device>[]): Promise<Device[]> {
  const made = devices.map((over, i) => ({
    orgId: ORG,
    serialNumber: `SERIAL${i + 1}`,
    networkId: 'net-1',
    tags: [],
    lastSeenAt: '2026-03-01T09:00:00.000Z',
    createdAt: `2026-03-01T09:00:0${i}.000Z`,
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...over,
  }));
  await deps.devices.putMany(made);
  return made;
}

export function aUser(account: Pick<Account, 'id'>, over: Partial<VppUser> = {}): VppUser {
  const id = over.id ?? 'user-1';
  return {
    accountId: account.id,
    id,
    email: `${id}@example.test`,
    tags: [],
    status: 'Invited',
    appleStatus: 'Registered',
    inviteCode: `code-${id}`,
    source: 'api',
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    version: 0,
    ...over,
  };
}

/** Users written as a sync would (e-mail claims included), each at version 1. */
export async function givenUsers(
  deps: World,
  account: Pick<Account, 'id'>,
  ...users: Partial<VppUser>[]
): Promise<VppUser[]> {
  const made = users.map((over, i) => aUser(account, { id: `user-${i + 1}`, ...over }));
  await deps.users.saveFromApple(made);
  return Promise.all(made.map(async (u) => (await deps.users.get(account.id, u.id)) as VppUser));
}

export function aHolding(
  account: Pick<Account, 'id' | 'orgId'>,
  over: Partial<AssignmentRecord> = {},
): AssignmentRecord {
  return {
    orgId: account.orgId,
    accountId: account.id,
    adamId: '361309726',
    pricingParam: 'STDQ',
    subjectType: 'device',
    subjectId: 'SERIAL1',
    state: 'granted',
    source: 'manual',
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...over,
  };
}

export function givenHoldings(
  deps: World,
  account: Pick<Account, 'id' | 'orgId'>,
  ...records: Partial<AssignmentRecord>[]
): AssignmentRecord[] {
  const made = records.map((over) => aHolding(account, over));
  deps.assignments.seed(...made);
  return made;
}

const aJob = (deps: World, over: Partial<Job>): Job => {
  const now = deps.clock.now().toISOString();
  return {
    id: 'job-1',
    orgId: ORG,
    accountId: 'account-1',
    type: 'grant',
    state: 'queued',
    requested: 1,
    completed: 0,
    failed: 0,
    failures: [],
    createdBy: orgAdmin.email,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
};

export async function givenJob(deps: World, over: Partial<Job> = {}): Promise<Job> {
  const job = aJob(deps, over);
  await deps.jobs.create(job);
  return job;
}

/**
 * A grant's (or revocation's) job with its batches, as a request writes them: each batch of the job's
 * account and kind, of one device `S<index>` of the app 361309726 unless `batches` say otherwise.
 */
export async function givenBatchedJob(
  deps: World,
  over: Partial<Job>,
  batches: readonly Partial<JobBatch>[],
): Promise<Job> {
  const job = aJob(deps, over);
  await deps.jobs.createWithBatches(
    job,
    batches.map((b, index) => ({
      jobId: job.id,
      index,
      kind: job.type === 'revocation' ? 'revoke' : 'grant',
      orgId: job.orgId,
      accountId: job.accountId ?? 'account-1',
      asset: { adamId: '361309726', pricingParam: 'STDQ' },
      source: 'manual',
      subjects: [{ type: 'device', id: `S${index}` }],
      createdAt: job.createdAt,
      ...b,
    })),
  );
  return job;
}

export async function givenDeployment(
  deps: World,
  account: Pick<Account, 'id' | 'orgId'>,
  over: Partial<Deployment> = {},
): Promise<Deployment> {
  const now = deps.clock.now().toISOString();
  const deployment: Deployment = {
    orgId: account.orgId,
    accountId: account.id,
    adamId: '361309726',
    pricingParam: 'STDQ',
    method: 'device',
    scope: { networks: [], tags: [] },
    autoAssign: true,
    autoRevoke: false,
    revokeGraceHours: 24,
    createdAt: now,
    updatedAt: now,
    updatedBy: orgAdmin.email,
    ...over,
  };
  await deps.deployments.put(deployment);
  return deployment;
}

/** The value, or a failed test when it is missing. */
export function must<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

/** The batches the grant (or revocation) messages queued so far carry to the workers, in order. */
export async function queuedBatches(
  deps: Pick<FakeDeps, 'queue' | 'jobs'>,
  queue: 'grants' | 'revocations' = 'grants',
): Promise<JobBatch[]> {
  const batches: JobBatch[] = [];
  for (const m of deps.queue.messages(queue)) {
    const batch = (await deps.jobs.batches(m.jobId)).find((b) => b.index === m.batch);
    if (batch) batches.push(batch);
  }
  return batches;
}
