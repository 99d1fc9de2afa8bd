/**
 * What every contract suite shares: the environment a repository is made in (a clock and ids the test
 * controls: the DynamoDB adapters take them too), unique ids (the DynamoDB run shares its tables across
 * tests), and builders of valid records.
 */
import { randomUUID } from 'node:crypto';
import type { Account } from '../../../shared/domain/account.ts';
import type { AssetRecord } from '../../../shared/domain/asset.ts';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import type { Deployment } from '../../../shared/domain/deployment.ts';
import type { Device } from '../../../shared/domain/device.ts';
import type { InvitationLink } from '../../../shared/domain/invitation.ts';
import type { Job } from '../../../shared/domain/job.ts';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';
import { FAKE_EPOCH, FakeClock, FakeIds } from '../fakes/system.ts';

export interface ContractEnv {
  readonly clock: FakeClock;
  readonly ids: FakeIds;
}

/** Makes the implementation under test; called once per test with a fresh clock and ids. */
export type Make<T> = (env: ContractEnv) => T | Promise<T>;

export const newEnv = (): ContractEnv => ({ clock: new FakeClock(), ids: new FakeIds() });

/** An id no other test (of this run, on these tables) uses. */
export const uid = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export const STAMP = FAKE_EPOCH;

export const anAccount = (over: Partial<Account> = {}): Account => {
  const id = over.id ?? uid('account');
  return {
    id,
    orgId: uid('org'),
    name: 'Main Office',
    email: 'it@example.test',
    allowedAdmins: [],
    assignableNetworks: [],
    location: { uId: uid('location'), organizationName: 'Example School', name: 'Main Office' },
    mdmId: `vpp-manager:test:${id}`,
    tokenExpiresAt: '2027-03-02T09:00:00.000Z',
    status: 'active',
    expiryAlertsSent: [],
    createdAt: STAMP,
    updatedAt: STAMP,
    createdBy: 'admin@example.test',
    version: 0,
    ...over,
  };
};

export const anAsset = (over: Partial<AssetRecord> = {}): AssetRecord => ({
  accountId: uid('account'),
  adamId: '361309726',
  pricingParam: 'STDQ',
  productType: 'App',
  deviceAssignable: true,
  revocable: true,
  supportedPlatforms: ['iOS'],
  unlimited: false,
  totalCount: 10,
  assignedCount: 2,
  availableCount: 8,
  retiredCount: 0,
  pendingCount: 0,
  updatedAt: STAMP,
  ...over,
});

export const aRecord = (over: Partial<AssignmentRecord> = {}): AssignmentRecord => ({
  orgId: 'org-1',
  accountId: 'account-1',
  adamId: '361309726',
  pricingParam: 'STDQ',
  subjectType: 'device',
  subjectId: 'SERIAL1',
  state: 'granted',
  source: 'manual',
  createdAt: STAMP,
  updatedAt: STAMP,
  ...over,
});

export const aUser = (over: Partial<VppUser> = {}): VppUser => ({
  accountId: 'account-1',
  id: uid('user'),
  email: `${uid('person')}@example.test`,
  tags: [],
  status: 'New',
  source: 'api',
  createdAt: STAMP,
  updatedAt: STAMP,
  version: 0,
  ...over,
});

export const aJob = (over: Partial<Job> = {}): Job => ({
  id: uid('job'),
  orgId: 'org-1',
  accountId: 'account-1',
  type: 'grant',
  state: 'queued',
  requested: 3,
  completed: 0,
  failed: 0,
  failures: [],
  createdBy: 'admin@example.test',
  createdAt: STAMP,
  updatedAt: STAMP,
  ...over,
});

export const aDeployment = (over: Partial<Deployment> = {}): Deployment => ({
  orgId: 'org-1',
  accountId: 'account-1',
  adamId: '361309726',
  pricingParam: 'STDQ',
  method: 'device',
  scope: { networks: [], tags: ['students'] },
  autoAssign: true,
  autoRevoke: false,
  revokeGraceHours: 24,
  createdAt: STAMP,
  updatedAt: STAMP,
  updatedBy: 'admin@example.test',
  ...over,
});

export const aDevice = (over: Partial<Device> = {}): Device => ({
  orgId: 'org-1',
  serialNumber: uid('SERIAL').toUpperCase(),
  networkId: 'net-1',
  tags: [],
  lastSeenAt: STAMP,
  createdAt: STAMP,
  updatedAt: STAMP,
  ...over,
});

export const aLink = (over: Partial<InvitationLink> = {}): InvitationLink => ({
  hash: uid('hash'),
  orgId: 'org-1',
  accountId: 'account-1',
  userId: 'user-1',
  state: 'active',
  expiresAt: '2026-04-01T09:00:00.000Z',
  createdAt: STAMP,
  ...over,
});
