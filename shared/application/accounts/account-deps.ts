import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { SyncStateRepository } from '../ports/sync-state-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { VppClient } from '../ports/vpp-client.ts';
import type { PublishDeps } from '../webhooks/webhook-deliveries.ts';

/** What the account use cases depend on. */
export interface AccountDeps extends PublishDeps {
  readonly accounts: AccountRepository;
  readonly syncStates: SyncStateRepository;
  /** Their summaries are the account's counts. */
  readonly assets: AssetRepository;
  readonly users: UserRepository;
  readonly secrets: SecretStore;
  readonly vpp: VppClient;
  readonly audit: AuditLog;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly queue: MessageQueue;
  readonly jobs: JobRepository;
  readonly settings: ServiceSettings;
}
