/**
 * Every repository contract against its in-memory fake (the unit layer's half; the other half runs the
 * same suites against the DynamoDB adapters on DynamoDB Local: test/adapters/dynamodb/contracts.test.ts).
 */

import { InMemoryRateSlots } from '../../../shared/adapters/apple-vpp/rate-limiter.ts';
import { describeAccountPurgerContract } from '../../support/contracts/account-purger.contract.ts';
import { describeAccountRepositoryContract } from '../../support/contracts/account-repository.contract.ts';
import { describeAssetRepositoryContract } from '../../support/contracts/asset-repository.contract.ts';
import { describeAssignmentRepositoryContract } from '../../support/contracts/assignment-repository.contract.ts';
import { describeAuditLogContract } from '../../support/contracts/audit-log.contract.ts';
import { describeJobRepositoryContract } from '../../support/contracts/job-repository.contract.ts';
import { describeRateSlotStoreContract } from '../../support/contracts/rate-slot-store.contract.ts';
import { describeSettlementStoreContract } from '../../support/contracts/settlement-store.contract.ts';
import {
  describeDebouncerContract,
  describeDeploymentRepositoryContract,
  describeDeviceRepositoryContract,
  describeInvitationRepositoryContract,
  describeNotificationInboxContract,
  describeSyncStateRepositoryContract,
} from '../../support/contracts/small-stores.contract.ts';
import { describeUserRepositoryContract } from '../../support/contracts/user-repository.contract.ts';
import { describeWebhookRepositoryContract } from '../../support/contracts/webhook-repository.contract.ts';
import {
  MemoryAccountPurger,
  MemoryAccountRepository,
  MemoryAssetRepository,
  MemoryAssignmentRepository,
  MemoryAuditLog,
  MemoryDebouncer,
  MemoryDeploymentRepository,
  MemoryDeviceRepository,
  MemoryInvitationRepository,
  MemoryJobRepository,
  MemoryNotificationInbox,
  MemorySettlementStore,
  MemorySyncStateRepository,
  MemoryUserRepository,
  MemoryWebhookRepository,
} from '../../support/fakes/index.ts';

const NAME = 'in-memory fake';

describeAccountRepositoryContract(NAME, () => new MemoryAccountRepository());
describeAssetRepositoryContract(NAME, () => new MemoryAssetRepository());
describeAssignmentRepositoryContract(NAME, () => new MemoryAssignmentRepository());
describeUserRepositoryContract(NAME, () => new MemoryUserRepository());
describeJobRepositoryContract(NAME, ({ clock }) => new MemoryJobRepository(clock));
describeSettlementStoreContract(NAME, ({ clock }) => {
  const assignments = new MemoryAssignmentRepository();
  const assets = new MemoryAssetRepository();
  const jobs = new MemoryJobRepository(clock);
  return { settlements: new MemorySettlementStore({ assignments, assets, jobs }), assignments, assets, jobs };
});
describeAccountPurgerContract(NAME, () => {
  const assets = new MemoryAssetRepository();
  const deployments = new MemoryDeploymentRepository();
  const users = new MemoryUserRepository();
  const assignments = new MemoryAssignmentRepository();
  return {
    purger: new MemoryAccountPurger({ assets, deployments, users, assignments }),
    assets,
    deployments,
    users,
    assignments,
  };
});
describeAuditLogContract(NAME, ({ clock, ids }) => new MemoryAuditLog(clock, ids));
describeSyncStateRepositoryContract(NAME, () => new MemorySyncStateRepository());
describeNotificationInboxContract(NAME, ({ clock }) => new MemoryNotificationInbox(clock));
describeDebouncerContract(NAME, ({ clock }) => new MemoryDebouncer(clock));
describeDeploymentRepositoryContract(NAME, () => new MemoryDeploymentRepository());
describeDeviceRepositoryContract(NAME, () => new MemoryDeviceRepository());
describeInvitationRepositoryContract(NAME, () => new MemoryInvitationRepository());
describeWebhookRepositoryContract(NAME, () => new MemoryWebhookRepository());
describeRateSlotStoreContract('in-process store', () => new InMemoryRateSlots());
