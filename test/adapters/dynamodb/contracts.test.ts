/**
 * Every repository contract against its DynamoDB adapter on DynamoDB Local (tables under a prefix of
 * this file's own): the same suites the in-memory fakes pass in the unit layer
 * (test/unit/contracts/fakes.contract.test.ts), so a fake cannot say yes where the table says no.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, inject } from 'vitest';
import { ensureTables } from '../../../functions/local/tables.ts';
import { DynamoAccountPurger } from '../../../shared/adapters/dynamodb/dynamo-account-purger.ts';
import { DynamoAccountRepository } from '../../../shared/adapters/dynamodb/dynamo-account-repository.ts';
import { DynamoAssetRepository } from '../../../shared/adapters/dynamodb/dynamo-asset-repository.ts';
import { DynamoAssignmentRepository } from '../../../shared/adapters/dynamodb/dynamo-assignment-repository.ts';
import { DynamoAuditLog } from '../../../shared/adapters/dynamodb/dynamo-audit-log.ts';
import { DynamoDebouncer } from '../../../shared/adapters/dynamodb/dynamo-debouncer.ts';
import { DynamoDeploymentRepository } from '../../../shared/adapters/dynamodb/dynamo-deployment-repository.ts';
import { DynamoDeviceRepository } from '../../../shared/adapters/dynamodb/dynamo-device-repository.ts';
import { DynamoInvitationRepository } from '../../../shared/adapters/dynamodb/dynamo-invitation-repository.ts';
import { DynamoJobRepository } from '../../../shared/adapters/dynamodb/dynamo-job-repository.ts';
import { DynamoNotificationInbox } from '../../../shared/adapters/dynamodb/dynamo-notification-inbox.ts';
import { DynamoRateSlotStore } from '../../../shared/adapters/dynamodb/dynamo-rate-slot-store.ts';
import { DynamoSettlementStore } from '../../../shared/adapters/dynamodb/dynamo-settlement-store.ts';
import { DynamoSyncStateRepository } from '../../../shared/adapters/dynamodb/dynamo-sync-state-repository.ts';
import { DynamoUserRepository } from '../../../shared/adapters/dynamodb/dynamo-user-repository.ts';
import { DynamoWebhookRepository } from '../../../shared/adapters/dynamodb/dynamo-webhook-repository.ts';
import type { TableId } from '../../../shared/config/tables.ts';
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

const NAME = 'DynamoDB adapter on DynamoDB Local';
let db: DynamoDBDocumentClient;
let tables: Record<TableId, string>;

beforeAll(async () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  tables = await ensureTables(client, `contract${randomUUID().slice(0, 8)}-`);
  db = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
});

describeAccountRepositoryContract(NAME, () => new DynamoAccountRepository(db, tables.core));
describeAssetRepositoryContract(NAME, () => new DynamoAssetRepository(db, tables.assets));
describeAssignmentRepositoryContract(NAME, () => new DynamoAssignmentRepository(db, tables.assignments));
describeUserRepositoryContract(NAME, () => new DynamoUserRepository(db, tables.users));
describeJobRepositoryContract(NAME, ({ clock }) => new DynamoJobRepository(db, tables.core, clock));
describeSettlementStoreContract(NAME, ({ clock }) => ({
  settlements: new DynamoSettlementStore(
    db,
    { assignments: tables.assignments, assets: tables.assets, core: tables.core },
    clock,
  ),
  assignments: new DynamoAssignmentRepository(db, tables.assignments),
  assets: new DynamoAssetRepository(db, tables.assets),
  jobs: new DynamoJobRepository(db, tables.core, clock),
}));
describeAccountPurgerContract(NAME, () => ({
  purger: new DynamoAccountPurger(db, [tables.assets, tables.users, tables.assignments]),
  assets: new DynamoAssetRepository(db, tables.assets),
  deployments: new DynamoDeploymentRepository(db, tables.assets),
  users: new DynamoUserRepository(db, tables.users),
  assignments: new DynamoAssignmentRepository(db, tables.assignments),
}));
describeAuditLogContract(NAME, ({ clock, ids }) => new DynamoAuditLog(db, tables.core, clock, ids));
describeSyncStateRepositoryContract(NAME, () => new DynamoSyncStateRepository(db, tables.core));
describeNotificationInboxContract(NAME, ({ clock }) => new DynamoNotificationInbox(db, tables.core, clock));
describeDebouncerContract(NAME, ({ clock }) => new DynamoDebouncer(db, tables.core, clock));
describeDeploymentRepositoryContract(NAME, () => new DynamoDeploymentRepository(db, tables.assets));
describeDeviceRepositoryContract(NAME, () => new DynamoDeviceRepository(db, tables.core));
describeInvitationRepositoryContract(NAME, () => new DynamoInvitationRepository(db, tables.core));
describeRateSlotStoreContract(NAME, () => new DynamoRateSlotStore(db, tables.core));
describeWebhookRepositoryContract(NAME, () => new DynamoWebhookRepository(db, tables.core));
