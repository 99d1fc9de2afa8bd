/**
 * Everything a use case or handler may depend on. Built in exactly two places: `aws.ts` (Lambda) and
 * `local.ts` (npm start and end-to-end tests), with the same adapters pointed at other endpoints.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { AccountPurger } from '../application/ports/account-purger.ts';
import type { AccountRepository } from '../application/ports/account-repository.ts';
import type { AssetRepository } from '../application/ports/asset-repository.ts';
import type { AssignmentRepository } from '../application/ports/assignment-repository.ts';
import type { AuditLog } from '../application/ports/audit-log.ts';
import type { Clock, IdGenerator } from '../application/ports/clock.ts';
import type { CursorSealer } from '../application/ports/cursor-sealer.ts';
import type { Debouncer } from '../application/ports/debouncer.ts';
import type { DeploymentRepository } from '../application/ports/deployment-repository.ts';
import type { DeviceRepository } from '../application/ports/device-repository.ts';
import type { HostResolver } from '../application/ports/host-resolver.ts';
import type { InvitationRepository } from '../application/ports/invitation-repository.ts';
import type { JobRepository } from '../application/ports/job-repository.ts';
import type { Mailer } from '../application/ports/mailer.ts';
import type { MessageQueue } from '../application/ports/message-queue.ts';
import type { NotificationInbox } from '../application/ports/notification-inbox.ts';
import type { RedemptionCodeRepository } from '../application/ports/redemption-code-repository.ts';
import type { SecretStore } from '../application/ports/secret-store.ts';
import type { ServiceSettings } from '../application/ports/settings.ts';
import type { SettlementStore } from '../application/ports/settlement-store.ts';
import type { SyncStateRepository } from '../application/ports/sync-state-repository.ts';
import type { UserRepository } from '../application/ports/user-repository.ts';
import type { VppClient } from '../application/ports/vpp-client.ts';
import type { WebhookDeliveryRepository } from '../application/ports/webhook-delivery-repository.ts';
import type { WebhookRepository } from '../application/ports/webhook-repository.ts';
import type { WebhookSender } from '../application/ports/webhook-sender.ts';

export type { ServiceSettings };

export interface Deps {
  readonly settings: ServiceSettings;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly vpp: VppClient;
  readonly secrets: SecretStore;
  readonly mailer: Mailer;
  readonly queue: MessageQueue;
  readonly jobs: JobRepository;
  readonly audit: AuditLog;
  readonly accounts: AccountRepository;
  readonly syncStates: SyncStateRepository;
  readonly inbox: NotificationInbox;
  readonly assets: AssetRepository;
  readonly users: UserRepository;
  readonly assignments: AssignmentRepository;
  readonly settlements: SettlementStore;
  readonly purger: AccountPurger;
  readonly devices: DeviceRepository;
  readonly deployments: DeploymentRepository;
  readonly debouncer: Debouncer;
  readonly invitations: InvitationRepository;
  readonly webhooks: WebhookRepository;
  /** Redemption codes, sealed (issue 19). */
  readonly redemptionCodes: RedemptionCodeRepository;
  /** The webhook delivery log. */
  readonly webhookDeliveries: WebhookDeliveryRepository;
  /** Where webhook host names point (the URL rules check every address). */
  readonly hosts: HostResolver;
  /** Sends a webhook delivery to a checked address. */
  readonly webhookSender: WebhookSender;
  /** Seals the cursors of every list the API hands out. */
  readonly cursors: CursorSealer;
  /**
   * Powertools idempotency records, one store per use (`http`, `worker`): a Powertools store takes the
   * configuration of its first use, so two uses must not share one.
   */
  readonly idempotencyStore: (use: 'http' | 'worker') => BasePersistenceLayer;
}
