/**
 * The names of every environment variable the runtime reads. `infra/` sets them and the functions
 * read them through `loadConfig`, so the two cannot drift apart.
 */
export const ENV = {
  stage: 'STAGE',
  tableCore: 'TABLE_CORE',
  tableAssets: 'TABLE_ASSETS',
  tableUsers: 'TABLE_USERS',
  tableAssignments: 'TABLE_ASSIGNMENTS',
  tableIdempotency: 'TABLE_IDEMPOTENCY',
  queueGrants: 'QUEUE_GRANTS_URL',
  queueRevocations: 'QUEUE_REVOCATIONS_URL',
  queueNotifications: 'QUEUE_NOTIFICATIONS_URL',
  queueEvents: 'QUEUE_EVENTS_URL',
  queueJobs: 'QUEUE_JOBS_URL',
  queueWebhooks: 'QUEUE_WEBHOOKS_URL',
  secretPrefix: 'SECRET_PREFIX',
  cursorKeySecret: 'CURSOR_KEY_SECRET',
  sesSender: 'SES_SENDER',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  vppBaseUrl: 'VPP_BASE_URL',
  claimSub: 'JWT_CLAIM_SUB',
  claimEmail: 'JWT_CLAIM_EMAIL',
  claimOrg: 'JWT_CLAIM_ORG',
  claimRole: 'JWT_CLAIM_ROLE',
  eventFirstPollSeconds: 'EVENT_FIRST_POLL_SECONDS',
  eventPollIntervalSeconds: 'EVENT_POLL_INTERVAL_SECONDS',
  allowHttpNotifications: 'ALLOW_HTTP_NOTIFICATIONS',
  allowLoopbackWebhooks: 'ALLOW_LOOPBACK_WEBHOOKS',
  reconcileDebounceSeconds: 'RECONCILE_DEBOUNCE_SECONDS',
  purgeRecheckSeconds: 'PURGE_RECHECK_SECONDS',
  webhookRetrySeconds: 'WEBHOOK_RETRY_SECONDS',
  workerConcurrency: 'WORKER_CONCURRENCY',
} as const;

export type EnvKey = keyof typeof ENV;

/** What every function reads into its `ServiceSettings` (and so what infra/ gives every function). */
export const SETTINGS_ENV_KEYS = [
  'stage',
  'publicBaseUrl',
  'vppBaseUrl',
  'claimSub',
  'claimEmail',
  'claimOrg',
  'claimRole',
  'eventFirstPollSeconds',
  'eventPollIntervalSeconds',
  'allowHttpNotifications',
  'allowLoopbackWebhooks',
  'reconcileDebounceSeconds',
  'purgeRecheckSeconds',
  'webhookRetrySeconds',
] as const satisfies readonly EnvKey[];
