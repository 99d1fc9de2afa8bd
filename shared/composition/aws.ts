/**
 * The composition root for Lambda: real AWS clients (traced by X-Ray through Powertools in the
 * handler wrappers) and the adapters over them. Each dependency is built on first use and reads only
 * the configuration it needs, so a function only needs the environment of what it touches. The local
 * runtime reuses `buildDeps` with its own endpoints.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppleVppHttpClient, type VppObserver } from '../adapters/apple-vpp/apple-vpp-http-client.ts';
import { DynamoAccountPurger } from '../adapters/dynamodb/dynamo-account-purger.ts';
import { DynamoAccountRepository } from '../adapters/dynamodb/dynamo-account-repository.ts';
import { DynamoAssetRepository } from '../adapters/dynamodb/dynamo-asset-repository.ts';
import { DynamoAssignmentRepository } from '../adapters/dynamodb/dynamo-assignment-repository.ts';
import { DynamoAuditLog } from '../adapters/dynamodb/dynamo-audit-log.ts';
import { DynamoDebouncer } from '../adapters/dynamodb/dynamo-debouncer.ts';
import { DynamoDeploymentRepository } from '../adapters/dynamodb/dynamo-deployment-repository.ts';
import { DynamoDeviceRepository } from '../adapters/dynamodb/dynamo-device-repository.ts';
import { DynamoInvitationRepository } from '../adapters/dynamodb/dynamo-invitation-repository.ts';
import { DynamoJobRepository } from '../adapters/dynamodb/dynamo-job-repository.ts';
import { DynamoNotificationInbox } from '../adapters/dynamodb/dynamo-notification-inbox.ts';
import { DynamoRateSlotStore } from '../adapters/dynamodb/dynamo-rate-slot-store.ts';
import { DynamoRedemptionCodeRepository } from '../adapters/dynamodb/dynamo-redemption-code-repository.ts';
import { DynamoSettlementStore } from '../adapters/dynamodb/dynamo-settlement-store.ts';
import { DynamoSyncStateRepository } from '../adapters/dynamodb/dynamo-sync-state-repository.ts';
import { DynamoUserRepository } from '../adapters/dynamodb/dynamo-user-repository.ts';
import { DynamoWebhookDeliveryRepository } from '../adapters/dynamodb/dynamo-webhook-delivery-repository.ts';
import { DynamoWebhookRepository } from '../adapters/dynamodb/dynamo-webhook-repository.ts';
import { HttpWebhookSender } from '../adapters/http/http-webhook-sender.ts';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager/secrets-manager-secret-store.ts';
import { SesMailer } from '../adapters/ses/ses-mailer.ts';
import { SqsMessageQueue } from '../adapters/sqs/sqs-message-queue.ts';
import { AesCursorSealer } from '../adapters/system/aes-cursor-sealer.ts';
import { dnsHostResolver } from '../adapters/system/dns-host-resolver.ts';
import { cryptoIds, systemClock } from '../adapters/system/system-clock.ts';
import type { QueueName } from '../application/messages.ts';
import type { Clock } from '../application/ports/clock.ts';
import { loadConfig } from '../config/config.ts';
import { ENV, SETTINGS_ENV_KEYS } from '../config/env-keys.ts';
import { QUEUES } from '../config/queues.ts';
import type { Deps, ServiceSettings } from './deps.ts';

type Env = Record<string, string | undefined>;

/** Memoises each getter of `builders`: a dependency is built the first time it is read. */
function lazily<T extends object>(builders: { [K in keyof T]: () => T[K] }): T {
  const out = {} as T;
  for (const name of Object.keys(builders) as (keyof T)[]) {
    let value: T[typeof name] | undefined;
    let built = false;
    Object.defineProperty(out, name, {
      enumerable: true,
      get: () => {
        if (!built) {
          value = builders[name]();
          built = true;
        }
        return value;
      },
    });
  }
  return out;
}

export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly ses: SESv2Client;
  readonly secrets: SecretsManagerClient;
}

/** The SDK clients, built once per container; endpoints come from the SDK's own AWS_ENDPOINT_URL_* settings. */
export function buildAwsClients(instrument: <C>(client: C) => C = (c) => c): AwsClients {
  return lazily<AwsClients>({
    dynamo: () =>
      DynamoDBDocumentClient.from(instrument(new DynamoDBClient({})), {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      }),
    // The queue URL's host is not the endpoint everywhere (local SQS servers); use the configured one.
    sqs: () => instrument(new SQSClient({ useQueueUrlAsEndpoint: false })),
    ses: () => instrument(new SESv2Client({})),
    secrets: () => instrument(new SecretsManagerClient({})),
  });
}

export function settingsFrom(env: Env): ServiceSettings {
  const c = loadConfig(env, SETTINGS_ENV_KEYS);
  return {
    stage: c.stage,
    publicBaseUrl: c.publicBaseUrl,
    vppBaseUrl: c.vppBaseUrl,
    claims: { sub: c.claimSub, email: c.claimEmail, org: c.claimOrg, role: c.claimRole },
    eventFirstPollSeconds: c.eventFirstPollSeconds,
    eventPollIntervalSeconds: c.eventPollIntervalSeconds,
    allowHttpNotifications: c.allowHttpNotifications,
    allowLoopbackWebhooks: c.allowLoopbackWebhooks,
    reconcileDebounceSeconds: c.reconcileDebounceSeconds,
    purgeRecheckSeconds: c.purgeRecheckSeconds,
    webhookRetrySeconds: c.webhookRetrySeconds,
  };
}

/** Builds every dependency over the given clients; `overrides` replace single ones (the local clock). */
export function buildDeps(
  env: Env,
  clients: AwsClients,
  overrides: Partial<Deps> = {},
  vppObserver?: VppObserver,
): Deps {
  const table = (key: 'tableCore' | 'tableIdempotency') => loadConfig(env, [key])[key];
  const clock: Clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? cryptoIds;
  return lazily<Deps>({
    settings: () => overrides.settings ?? settingsFrom(env),
    clock: () => clock,
    ids: () => ids,
    vpp: () =>
      overrides.vpp ??
      new AppleVppHttpClient({
        baseUrl: loadConfig(env, ['vppBaseUrl']).vppBaseUrl,
        rateSlots: new DynamoRateSlotStore(clients.dynamo, table('tableCore')),
        userAgent: 'vpp-manager/0.1',
        ...(vppObserver ? { observer: vppObserver } : {}),
      }),
    secrets: () =>
      overrides.secrets ??
      new SecretsManagerSecretStore(clients.secrets, {
        prefix: loadConfig(env, ['secretPrefix']).secretPrefix,
      }),
    mailer: () => {
      const c = loadConfig(env, ['sesSender', 'sesConfigurationSet']);
      return overrides.mailer ?? new SesMailer(clients.ses, c.sesSender, c.sesConfigurationSet);
    },
    queue: () => {
      // Each function is given only the queue URLs it may send to (the env var comes with the grant).
      const urls: Partial<Record<QueueName, string>> = {};
      for (const q of QUEUES) {
        if (env[ENV[q.envKey]]) urls[q.id] = loadConfig(env, [q.envKey])[q.envKey] as string;
      }
      return overrides.queue ?? new SqsMessageQueue(clients.sqs, urls);
    },
    jobs: () => overrides.jobs ?? new DynamoJobRepository(clients.dynamo, table('tableCore'), clock),
    audit: () => overrides.audit ?? new DynamoAuditLog(clients.dynamo, table('tableCore'), clock, ids),
    accounts: () => overrides.accounts ?? new DynamoAccountRepository(clients.dynamo, table('tableCore')),
    syncStates: () =>
      overrides.syncStates ?? new DynamoSyncStateRepository(clients.dynamo, table('tableCore')),
    inbox: () => overrides.inbox ?? new DynamoNotificationInbox(clients.dynamo, table('tableCore'), clock),
    assets: () =>
      overrides.assets ??
      new DynamoAssetRepository(clients.dynamo, loadConfig(env, ['tableAssets']).tableAssets),
    users: () =>
      overrides.users ?? new DynamoUserRepository(clients.dynamo, loadConfig(env, ['tableUsers']).tableUsers),
    assignments: () =>
      overrides.assignments ??
      new DynamoAssignmentRepository(clients.dynamo, loadConfig(env, ['tableAssignments']).tableAssignments),
    settlements: () =>
      overrides.settlements ??
      new DynamoSettlementStore(
        clients.dynamo,
        {
          assignments: loadConfig(env, ['tableAssignments']).tableAssignments,
          assets: loadConfig(env, ['tableAssets']).tableAssets,
          core: table('tableCore'),
        },
        clock,
      ),
    purger: () =>
      overrides.purger ??
      new DynamoAccountPurger(
        clients.dynamo,
        (['tableAssets', 'tableUsers', 'tableAssignments'] as const).map((k) => loadConfig(env, [k])[k]),
      ),
    devices: () => overrides.devices ?? new DynamoDeviceRepository(clients.dynamo, table('tableCore')),
    invitations: () =>
      overrides.invitations ?? new DynamoInvitationRepository(clients.dynamo, table('tableCore')),
    deployments: () =>
      overrides.deployments ??
      new DynamoDeploymentRepository(clients.dynamo, loadConfig(env, ['tableAssets']).tableAssets),
    debouncer: () => overrides.debouncer ?? new DynamoDebouncer(clients.dynamo, table('tableCore'), clock),
    webhooks: () => overrides.webhooks ?? new DynamoWebhookRepository(clients.dynamo, table('tableCore')),
    redemptionCodes: () =>
      overrides.redemptionCodes ??
      new DynamoRedemptionCodeRepository(clients.dynamo, loadConfig(env, ['tableAssets']).tableAssets),
    webhookDeliveries: () =>
      overrides.webhookDeliveries ?? new DynamoWebhookDeliveryRepository(clients.dynamo, table('tableCore')),
    hosts: () => overrides.hosts ?? dnsHostResolver,
    webhookSender: () => overrides.webhookSender ?? new HttpWebhookSender(),
    cursors: () => {
      if (overrides.cursors) return overrides.cursors;
      // The key's own secret, by its full name: it is granted alone to the functions that page lists.
      const keys = new SecretsManagerSecretStore(clients.secrets, { prefix: '', maxAgeSeconds: 3600 });
      return new AesCursorSealer(() => keys.get(loadConfig(env, ['cursorKeySecret']).cursorKeySecret));
    },
    idempotencyStore: () => {
      if (overrides.idempotencyStore) return overrides.idempotencyStore;
      const stores = new Map<string, DynamoDBPersistenceLayer>();
      return (use: 'http' | 'worker') => {
        let store = stores.get(use);
        if (!store) {
          const tableName = table('tableIdempotency');
          store = new DynamoDBPersistenceLayer({
            tableName,
            awsSdkV3Client: clients.dynamo as unknown as DynamoDBClient,
          });
          stores.set(use, store);
        }
        return store;
      };
    },
  });
}

/** Lambda: clients are traced with X-Ray by the given instrumentation (Powertools tracer). */
export function buildAwsDeps(
  env: Env,
  instrument: <C>(client: C) => C = (c) => c,
  vppObserver?: VppObserver,
): Deps {
  return buildDeps(env, buildAwsClients(instrument), {}, vppObserver);
}
