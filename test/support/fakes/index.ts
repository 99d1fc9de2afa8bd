/**
 * In-memory fakes of every port, and `fakeDeps()`: a whole `Deps` of them, wired to one clock and one
 * id generator (the settlement store and the purger work on the same fake tables as the
 * repositories). Overrides replace single dependencies. Nothing here starts a process or opens a socket.
 */
import type { ServiceSettings } from '../../../shared/application/ports/settings.ts';
import type { Deps } from '../../../shared/composition/deps.ts';
import { MemoryAccountPurger } from './account-purger.ts';
import { MemoryAccountRepository } from './account-repository.ts';
import { MemoryAssetRepository } from './asset-repository.ts';
import { MemoryAssignmentRepository } from './assignment-repository.ts';
import { MemoryAuditLog } from './audit-log.ts';
import { MemoryDebouncer } from './debouncer.ts';
import { MemoryDeploymentRepository } from './deployment-repository.ts';
import { MemoryDeviceRepository } from './device-repository.ts';
import { FakeHostResolver } from './host-resolver.ts';
import { MemoryInvitationRepository } from './invitation-repository.ts';
import { MemoryJobRepository } from './job-repository.ts';
import { FakeMailer, RecordingQueue } from './messaging.ts';
import { MemoryNotificationInbox } from './notification-inbox.ts';
import { MemoryRedemptionCodeRepository } from './redemption-code-repository.ts';
import { MemorySecretStore } from './secret-store.ts';
import { MemorySettlementStore } from './settlement-store.ts';
import { MemorySyncStateRepository } from './sync-state-repository.ts';
import { FakeClock, FakeCursorSealer, FakeIds, MemoryIdempotencyStore } from './system.ts';
import { MemoryUserRepository } from './user-repository.ts';
import { FakeVpp } from './vpp-client.ts';
import { MemoryWebhookDeliveryRepository } from './webhook-delivery-repository.ts';
import { MemoryWebhookRepository } from './webhook-repository.ts';
import { RecordingWebhookSender } from './webhook-sender.ts';

export { MemoryAccountPurger } from './account-purger.ts';
export { MemoryAccountRepository } from './account-repository.ts';
export { MemoryAssetRepository } from './asset-repository.ts';
export { MemoryAssignmentRepository } from './assignment-repository.ts';
export { MemoryAuditLog } from './audit-log.ts';
export { MemoryDebouncer } from './debouncer.ts';
export { MemoryDeploymentRepository } from './deployment-repository.ts';
export { MemoryDeviceRepository } from './device-repository.ts';
export { FakeHostResolver } from './host-resolver.ts';
export { MemoryInvitationRepository } from './invitation-repository.ts';
export { MemoryJobRepository } from './job-repository.ts';
export { FakeMailer, RecordingQueue, type SentMessage } from './messaging.ts';
export { MemoryNotificationInbox } from './notification-inbox.ts';
export { MemoryRedemptionCodeRepository } from './redemption-code-repository.ts';
export { MemorySecretStore } from './secret-store.ts';
export { MemorySettlementStore } from './settlement-store.ts';
export { MemorySyncStateRepository } from './sync-state-repository.ts';
export { FAKE_EPOCH, FakeClock, FakeCursorSealer, FakeIds, MemoryIdempotencyStore } from './system.ts';
export { MemoryUserRepository } from './user-repository.ts';
export { appleRefusal, FakeVpp, vppFault } from './vpp-client.ts';
export { MemoryWebhookDeliveryRepository } from './webhook-delivery-repository.ts';
export { MemoryWebhookRepository } from './webhook-repository.ts';
export { RecordingWebhookSender } from './webhook-sender.ts';

export const FAKE_SETTINGS: ServiceSettings = {
  stage: 'test',
  publicBaseUrl: 'https://vpp.example.test',
  vppBaseUrl: 'https://vpp.itunes.apple.com/mdm/v2',
  claims: { sub: 'sub', email: 'email', org: 'custom:org', role: 'custom:role' },
  eventFirstPollSeconds: 300,
  eventPollIntervalSeconds: 30,
  allowHttpNotifications: false,
  allowLoopbackWebhooks: false,
  reconcileDebounceSeconds: 60,
  purgeRecheckSeconds: 900,
  webhookRetrySeconds: [30, 120, 600],
};

/** A `Deps` of fakes, each typed as its fake so a test can set it up and look into it. */
export interface FakeDeps extends Deps {
  readonly clock: FakeClock;
  readonly ids: FakeIds;
  readonly vpp: FakeVpp;
  readonly secrets: MemorySecretStore;
  readonly mailer: FakeMailer;
  readonly queue: RecordingQueue;
  readonly jobs: MemoryJobRepository;
  readonly audit: MemoryAuditLog;
  readonly accounts: MemoryAccountRepository;
  readonly syncStates: MemorySyncStateRepository;
  readonly inbox: MemoryNotificationInbox;
  readonly assets: MemoryAssetRepository;
  readonly users: MemoryUserRepository;
  readonly assignments: MemoryAssignmentRepository;
  readonly settlements: MemorySettlementStore;
  readonly purger: MemoryAccountPurger;
  readonly devices: MemoryDeviceRepository;
  readonly deployments: MemoryDeploymentRepository;
  readonly debouncer: MemoryDebouncer;
  readonly invitations: MemoryInvitationRepository;
  readonly cursors: FakeCursorSealer;
  readonly webhooks: MemoryWebhookRepository;
  readonly redemptionCodes: MemoryRedemptionCodeRepository;
  readonly webhookDeliveries: MemoryWebhookDeliveryRepository;
  readonly hosts: FakeHostResolver;
  readonly webhookSender: RecordingWebhookSender;
}

type Overrides = Partial<{ -readonly [K in keyof Deps]: Deps[K] }> & { settings?: Partial<ServiceSettings> };

/**
 * Every dependency faked; `overrides` replace single ones (`settings` are merged into the defaults).
 * An override of `assets`, `assignments`, `jobs`, `users` or `deployments` must be that fake (or a
 * subclass of it): the settlement store and the purger write through them.
 */
export function fakeDeps<O extends Overrides = Record<never, never>>(
  overrides: O = {} as O,
): Omit<FakeDeps, keyof O> & Omit<O, 'settings'> & { settings: ServiceSettings } {
  const clock = (overrides.clock as FakeClock | undefined) ?? new FakeClock();
  const ids = (overrides.ids as FakeIds | undefined) ?? new FakeIds();
  // The settlement store and the purger work on these: an override of one must be its fake (or a subclass).
  const assets = (overrides.assets as MemoryAssetRepository | undefined) ?? new MemoryAssetRepository();
  const assignments =
    (overrides.assignments as MemoryAssignmentRepository | undefined) ?? new MemoryAssignmentRepository();
  const jobs = (overrides.jobs as MemoryJobRepository | undefined) ?? new MemoryJobRepository(clock);
  const users = (overrides.users as MemoryUserRepository | undefined) ?? new MemoryUserRepository();
  const deployments =
    (overrides.deployments as MemoryDeploymentRepository | undefined) ?? new MemoryDeploymentRepository();
  const idempotency = new Map<string, MemoryIdempotencyStore>();
  const deps = {
    clock,
    ids,
    vpp: new FakeVpp(),
    secrets: new MemorySecretStore(),
    mailer: new FakeMailer(),
    queue: new RecordingQueue(),
    jobs,
    audit: new MemoryAuditLog(clock, ids),
    accounts: new MemoryAccountRepository(),
    syncStates: new MemorySyncStateRepository(),
    inbox: new MemoryNotificationInbox(clock),
    assets,
    users,
    assignments,
    settlements: new MemorySettlementStore({ assignments, assets, jobs }),
    purger: new MemoryAccountPurger({ assets, deployments, users, assignments }),
    devices: new MemoryDeviceRepository(),
    deployments,
    debouncer: new MemoryDebouncer(clock),
    invitations: new MemoryInvitationRepository(),
    cursors: new FakeCursorSealer(),
    webhooks: new MemoryWebhookRepository(),
    redemptionCodes: new MemoryRedemptionCodeRepository(),
    webhookDeliveries: new MemoryWebhookDeliveryRepository(),
    hosts: new FakeHostResolver(),
    webhookSender: new RecordingWebhookSender(),
    idempotencyStore: (use: 'http' | 'worker') => {
      let store = idempotency.get(use);
      if (!store) {
        store = new MemoryIdempotencyStore();
        idempotency.set(use, store);
      }
      return store;
    },
    ...overrides,
    settings: { ...FAKE_SETTINGS, ...overrides.settings },
  };
  return deps as unknown as Omit<FakeDeps, keyof O> & Omit<O, 'settings'> & { settings: ServiceSettings };
}
