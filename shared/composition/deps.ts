/**
 * Everything a use case or handler may depend on. Built in exactly two places: `aws.ts` (Lambda) and
 * `local.ts` (npm start and end-to-end tests), with the same adapters pointed at other endpoints.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { AuditLog } from '../application/ports/audit-log.ts';
import type { Clock, IdGenerator } from '../application/ports/clock.ts';
import type { JobRepository } from '../application/ports/job-repository.ts';
import type { Mailer } from '../application/ports/mailer.ts';
import type { MessageQueue } from '../application/ports/message-queue.ts';
import type { SecretStore } from '../application/ports/secret-store.ts';
import type { VppClient } from '../application/ports/vpp-client.ts';

export interface ServiceSettings {
  readonly stage: string;
  /** Where the service is reached from outside: invitation links and Apple's notification URL. */
  readonly publicBaseUrl: string;
  readonly claims: {
    readonly sub: string;
    readonly email: string;
    readonly org: string;
    readonly role: string;
  };
  /** Apple's event cadence (SPEC §5.4): first status poll after this many seconds, then every interval. */
  readonly eventFirstPollSeconds: number;
  readonly eventPollIntervalSeconds: number;
  /** Local mode only: Apple (the simulator) may call an http:// notification URL. */
  readonly allowHttpNotifications: boolean;
}

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
  /** Powertools idempotency records (Idempotency-Key of the API, duplicate deliveries of workers). */
  readonly idempotencyStore: BasePersistenceLayer;
}
