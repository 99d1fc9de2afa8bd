/**
 * The Lambda functions: entry file, trigger and what each may touch. The CDK stack creates each
 * function from this list (the grants and the environment variables together, so they cannot drift)
 * and the local runtime mounts the same entry files on the same triggers. An HTTP function lists the
 * ids of the routes it serves (the route contracts in shared/api say what each route is).
 */
import type { QueueId } from './queues.ts';
import type { ScheduleId } from './schedules.ts';
import type { TableId } from './tables.ts';

export type Trigger =
  | { readonly kind: 'http'; readonly routes: readonly string[] }
  | { readonly kind: 'queue'; readonly queue: QueueId }
  | { readonly kind: 'schedule'; readonly schedule: ScheduleId };

export interface FunctionAccess {
  /** Tables read (`read`) or read and written (`write`). */
  readonly tables?: Partial<Record<TableId, 'read' | 'write'>>;
  /** Queues it sends to. */
  readonly sendsTo?: readonly QueueId[];
  /** Secrets under the service's prefix: read only, or create/update/delete too. */
  readonly secrets?: 'read' | 'write';
  /** Reads the key that seals list cursors (an HTTP function that serves a list with a cursor). */
  readonly cursorKey?: boolean;
  /** Sends e-mail through SES (from the configured sender only). */
  readonly email?: boolean;
  /** Calls Apple: takes each request's slot from the shared rate slots in the core table (SPEC §5.4). */
  readonly callsApple?: boolean;
}

export interface FunctionDefinition {
  readonly id: string;
  /** Path from the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly trigger: Trigger;
  readonly access: FunctionAccess;
  /**
   * Reserved concurrency: how many instances may run at once. Not for Apple's rate: every caller of
   * Apple takes each request's slot from the token's shared rate slot (SPEC §5.4), so none is capped for
   * it; a queue worker's instances are bounded by `WORKER_CONCURRENCY` (its event source's maximum).
   */
  readonly reservedConcurrency?: number;
}

/** The grants and the revocations workers: the same function on its own queue. */
const licenseWorker = (
  id: string,
  queue: 'grants' | 'revocations',
  description: string,
): FunctionDefinition => ({
  id,
  entry: `functions/workers/${id}.ts`,
  description,
  memoryMb: 512,
  timeoutSeconds: 150,
  trigger: { kind: 'queue', queue },
  access: {
    tables: { core: 'write', assets: 'write', assignments: 'write', idempotency: 'write' },
    secrets: 'read',
    email: true,
    // Settlements publish webhook events (license.*, job.finished).
    sendsTo: ['events', 'webhooks'],
    callsApple: true,
  },
});

/**
 * A function behind the HTTP API that serves `routes` with `access`: its entry is
 * `functions/http/<id>.ts`, and it has API Gateway's 29 s at most. 512 MB unless `options` says otherwise.
 */
const apiFunction = (
  id: string,
  description: string,
  routes: readonly string[],
  access: FunctionAccess,
  options: Partial<Pick<FunctionDefinition, 'memoryMb' | 'reservedConcurrency'>> = {},
): FunctionDefinition => ({
  id,
  entry: `functions/http/${id}.ts`,
  description,
  memoryMb: 512,
  timeoutSeconds: 29,
  trigger: { kind: 'http', routes },
  ...options,
  access,
});

/**
 * A worker that moves any record (assets, users, licences) on what Apple says: every record table
 * written, the account tokens read, e-mail (invitations), and calls to Apple. Each adds its queues.
 */
const APPLE_RECORDS_WORKER = {
  tables: { core: 'write', assets: 'write', users: 'write', assignments: 'write', idempotency: 'write' },
  secrets: 'read',
  email: true,
  callsApple: true,
} as const satisfies FunctionAccess;

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    id: 'api-public',
    entry: 'functions/http/api-public.ts',
    description: 'Health and the OpenAPI document',
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: { kind: 'http', routes: ['getHealth', 'getOpenApi'] },
    access: {},
  },
  apiFunction(
    'api-reports',
    'Jobs, licence reports and the audit log',
    ['getJob', 'listJobs', 'listAudit', 'getLicenseReport'],
    { cursorKey: true, tables: { core: 'read', assets: 'read', users: 'read', assignments: 'read' } },
  ),
  apiFunction(
    'api-accounts',
    'VPP accounts: add, list, change, renew the token, remove, sync now',
    [
      'createAccount',
      'listAccounts',
      'getAccount',
      'updateAccount',
      'renewToken',
      'removeAccount',
      'syncAccount',
    ],
    {
      tables: { core: 'write', idempotency: 'write' },
      secrets: 'write',
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['jobs', 'webhooks'],
      callsApple: true,
    },
  ),
  apiFunction(
    'api-assets',
    'Assets, holders, grants, revocations and deployments',
    [
      'listAssets',
      'getAsset',
      'listAssetAssignments',
      'grantLicenses',
      'revokeLicenses',
      'putDeployment',
      'deleteDeployment',
      'getDeploymentPlan',
      'previewDeploymentPlan',
      'reconcileDeployment',
    ],
    {
      cursorKey: true,
      tables: { core: 'write', assets: 'write', users: 'read', assignments: 'write', idempotency: 'write' },
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['grants', 'revocations', 'jobs', 'webhooks'],
    },
    { memoryMb: 1024 },
  ),
  {
    id: 'apple-notifications',
    entry: 'functions/http/apple-notifications.ts',
    description: "Apple's notifications: authenticate, answer, queue",
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: { kind: 'http', routes: ['receiveAppleNotification'] },
    access: { tables: { core: 'write' }, secrets: 'read', sendsTo: ['notifications'] },
  },
  {
    id: 'token-health',
    entry: 'functions/schedules/token-health.ts',
    description: 'Daily token-health check and expiry alerts',
    memoryMb: 512,
    timeoutSeconds: 300,
    trigger: { kind: 'schedule', schedule: 'token-health' },
    // Token alerts publish webhook events (token.*).
    access: {
      tables: { core: 'write' },
      secrets: 'read',
      email: true,
      callsApple: true,
      sendsTo: ['webhooks'],
    },
  },
  {
    id: 'nightly-sync',
    entry: 'functions/schedules/nightly-sync.ts',
    description: 'Queues a sync of every account',
    memoryMb: 256,
    timeoutSeconds: 60,
    trigger: { kind: 'schedule', schedule: 'nightly-sync' },
    access: { tables: { core: 'read' }, sendsTo: ['jobs'] },
  },
  {
    id: 'job-worker',
    entry: 'functions/workers/job-worker.ts',
    description: 'Long jobs: syncs, invitations, retirements, reconciliations, account purges',
    memoryMb: 1024,
    timeoutSeconds: 750,
    trigger: { kind: 'queue', queue: 'jobs' },
    access: {
      ...APPLE_RECORDS_WORKER,
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['grants', 'revocations', 'events', 'jobs', 'webhooks'],
    },
  },
  {
    id: 'notification-worker',
    entry: 'functions/workers/notification-worker.ts',
    description: "Applies Apple's notifications",
    memoryMb: 512,
    timeoutSeconds: 100,
    trigger: { kind: 'queue', queue: 'notifications' },
    access: {
      ...APPLE_RECORDS_WORKER,
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['jobs', 'webhooks'],
    },
  },
  apiFunction(
    'api-users',
    'VPP users: add, import from CSV, list, read with their licences, change',
    ['createUser', 'importUsers', 'listUsers', 'getUser', 'updateUser', 'inviteUsers', 'retireUsers'],
    {
      cursorKey: true,
      tables: { core: 'write', users: 'write', assets: 'read', assignments: 'write', idempotency: 'write' },
      secrets: 'read',
      callsApple: true,
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['jobs', 'webhooks'],
    },
  ),
  apiFunction(
    'api-devices',
    'The device inventory',
    ['putDevices', 'listDevices', 'getDevice', 'removeDevice'],
    {
      cursorKey: true,
      tables: { core: 'write', assets: 'read', assignments: 'write', idempotency: 'write' },
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['jobs', 'webhooks'],
    },
  ),
  apiFunction(
    'api-webhooks',
    'Webhook subscriptions, their signing secrets and test events',
    [
      'createWebhook',
      'listWebhooks',
      'getWebhook',
      'updateWebhook',
      'removeWebhook',
      'rotateWebhookSecret',
      'testWebhook',
      'listWebhookDeliveries',
      'redeliverWebhook',
    ],
    // The signing secrets are under the service's secret prefix (`webhooks/...`), written here.
    { tables: { core: 'write' }, secrets: 'write', sendsTo: ['webhooks'], cursorKey: true, email: true },
    { memoryMb: 256 },
  ),
  apiFunction(
    'api-redemption-code-imports',
    "Imports of Apple's redemption-code spreadsheets (the only bundle with the spreadsheet parser)",
    ['importRedemptionCodes'],
    // The per-organisation code keys are made by the first import, under `orgs/<orgId>/...`.
    { tables: { core: 'read', assets: 'write' }, secrets: 'write' },
    { memoryMb: 1024 },
  ),
  {
    id: 'webhook-worker',
    entry: 'functions/workers/webhook-worker.ts',
    description: 'Delivers webhook events: one signed attempt each, retries with backoff',
    memoryMb: 256,
    timeoutSeconds: 50,
    trigger: { kind: 'queue', queue: 'webhooks' },
    // Reads the signing secrets; writes the delivery log and pauses failing subscriptions.
    access: { tables: { core: 'write' }, secrets: 'read', email: true, sendsTo: ['webhooks'] },
  },
  licenseWorker('grant-worker', 'grants', "Sends grants to Apple's associate"),
  licenseWorker('revoke-worker', 'revocations', "Sends revocations to Apple's disassociate"),
  {
    id: 'event-worker',
    entry: 'functions/workers/event-worker.ts',
    description: 'Follows Apple events whose notification is late',
    memoryMb: 512,
    timeoutSeconds: 100,
    trigger: { kind: 'queue', queue: 'events' },
    access: {
      ...APPLE_RECORDS_WORKER,
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['events', 'jobs', 'webhooks'],
    },
  },
  {
    id: 'invitation-pages',
    entry: 'functions/http/invitation-pages.ts',
    description: 'The pages behind the invitation link',
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: { kind: 'http', routes: ['openInvitation', 'acceptInvitation'] },
    // A token problem seen here publishes its webhook event (token.*).
    access: { tables: { core: 'write', users: 'read' }, callsApple: true, sendsTo: ['webhooks'] },
  },
  {
    id: 'reconcile',
    entry: 'functions/schedules/reconcile.ts',
    description: 'Hourly scope reconciliation of every deployment, and stalled licence requests resumed',
    memoryMb: 1024,
    timeoutSeconds: 600,
    trigger: { kind: 'schedule', schedule: 'reconcile' },
    access: {
      tables: { core: 'write', assets: 'write', users: 'read', assignments: 'write' },
      email: true,
      // Settlements publish webhook events (license.*, job.finished).
      sendsTo: ['grants', 'revocations', 'jobs', 'webhooks'],
    },
  },
];

/** The HTTP function that lists the route `routeId`, if one does. */
export const functionOfRoute = (
  routeId: string,
  functions: readonly FunctionDefinition[] = FUNCTIONS,
): FunctionDefinition | undefined =>
  functions.find((f) => f.trigger.kind === 'http' && f.trigger.routes.includes(routeId));

export const functionById = (id: string): FunctionDefinition => {
  const found = FUNCTIONS.find((f) => f.id === id);
  if (!found) throw new Error(`No function ${id} in shared/config/functions.ts`);
  return found;
};
