/**
 * The whole system on one machine (SPEC §7): DynamoDB Local, an SQS-compatible server, the SES and
 * Secrets Manager stand-ins, the Apple simulator (or another Apple: `vppBaseUrl`), and the very Lambda
 * handlers behind a local API Gateway, queue pollers and a scheduler. `npm start` and the end-to-end
 * tests both start it here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROUTES } from '../../shared/api/index.ts';
import { appleCanNotify } from '../../shared/application/accounts/claim-location.ts';
import type { AwsClients } from '../../shared/composition/aws.ts';
import type { Deps } from '../../shared/composition/deps.ts';
import { buildLocalDeps, localEnvironment } from '../../shared/composition/local.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/config/functions.ts';
import { QUEUES, type QueueId } from '../../shared/config/queues.ts';
import { SCHEDULES } from '../../shared/config/schedules.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { appleObserver } from '../lib/apple-observer.ts';
import { provideDeps } from '../lib/deps.ts';
import { redact } from '../lib/redaction.ts';
import { type AppleSimulator, type SimulatorOptions, startAppleSimulator } from './apple-simulator/index.ts';
import { consoleServer } from './console-server.ts';
import { startDynamoDbLocal } from './engines/dynamodb-local.ts';
import { freePort } from './engines/net.ts';
import { startSecretsManagerLocal } from './engines/secrets-manager-local.ts';
import { type OutboxMail, startSesLocal } from './engines/ses-local.ts';
import { startSqsLocal } from './engines/sqs-local.ts';
import { startGateway } from './gateway.ts';
import { issueToken, loadOrCreateKeys, type TokenClaims, trustIssuer } from './jwt-keys.ts';
import { renderOutbox } from './outbox-page.ts';
import { type Poller, startPoller } from './queue-poller.ts';
import { type Scheduler, scheduledEvent, startScheduler } from './scheduler.ts';
import { ensureTables } from './tables.ts';

/** Batches of one queue its worker handles at once in local mode unless told (AWS: 20): modest on a laptop. */
export const LOCAL_WORKER_CONCURRENCY = 4;

/** The secret, below the service's prefix, that list cursors are sealed with. */
const CURSOR_KEY = 'service/cursor-key';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface LocalRuntimeOptions {
  /** Where all state lives (`.local/`); undefined keeps everything in memory (tests). */
  readonly dataDir?: string;
  readonly port?: number;
  readonly simPort?: number;
  /**
   * Another Apple (`VPP_BASE_URL`: Apple itself, or a stand-in started apart): no simulator is
   * started and no demo token written.
   */
  readonly vppBaseUrl?: string;
  /** Where Apple and invitation links reach the API (`PUBLIC_BASE_URL`); default the API's own URL. */
  readonly publicBaseUrl?: string;
  /** Use an already running DynamoDB Local (tests share one) instead of starting one. */
  readonly dynamoEndpoint?: string;
  readonly tablePrefix?: string;
  /** Shorter than in AWS so that local retries and dead-lettering happen in seconds. */
  readonly visibilityTimeoutSeconds?: number;
  readonly eventFirstPollSeconds?: number;
  readonly eventPollIntervalSeconds?: number;
  /**
   * How many batches of one queue its worker handles at once (`WORKER_CONCURRENCY`, 2 to 1000; AWS: the
   * event source's maximum concurrency). Default `LOCAL_WORKER_CONCURRENCY`.
   */
  readonly workerConcurrency?: number;
  /** A queue worker's time limit by function id (AWS: the manifest's `timeoutSeconds`); tests shorten it. */
  readonly functionTimeoutSeconds?: Partial<Record<string, number>>;
  /** The debounce of reconciliations after changes (AWS: 60 s). */
  readonly reconcileDebounceSeconds?: number;
  /** Seconds before each webhook retry (local default: a few seconds in all). */
  readonly webhookRetrySeconds?: readonly number[];
  /** How long a removed account's purge waits before it looks again (AWS: 900 s). */
  readonly purgeRecheckSeconds?: number;
  readonly simulator?: Partial<SimulatorOptions>;
  /** Poll the queues into the workers (default); off for benchmarks that drive the use cases directly. */
  readonly pollQueues?: boolean;
  /** Run the schedules on their timers (npm start) or only when fired (tests). */
  readonly scheduleTimers?: boolean;
  readonly scheduleExpressions?: Partial<Record<string, string>>;
  readonly overrides?: Partial<Deps>;
  readonly log?: (line: string) => void;
  /**
   * The console signs in at this OpenID provider instead of the local sign-in page, and the gateway
   * accepts its ID tokens (audience: the client id) besides local mode's own.
   */
  readonly oidc?: LocalOidcOptions;
}

/** An external OpenID provider for local mode (`LOCAL_OIDC_ISSUER`, `LOCAL_OIDC_CLIENT_ID`, `LOCAL_OIDC_SCOPES`). */
export interface LocalOidcOptions {
  readonly issuer: string;
  /** A public client (no secret) allowing `<console>/signin/callback` as redirect URI. */
  readonly clientId: string;
  /** @default 'openid email profile offline_access' */
  readonly scopes?: string;
}

/** The runtime; `simulator` is undefined when it uses another Apple (`vppBaseUrl`). */
export interface LocalRuntime<Simulator extends AppleSimulator | undefined = AppleSimulator> {
  readonly apiUrl: string;
  readonly simulator: Simulator;
  /** The Apple it uses: the simulator's base URL or `vppBaseUrl`. */
  readonly appleBaseUrl: string;
  /** Whether accounts register Apple's notifications (`appleCanNotify`); otherwise events are polled. */
  readonly appleNotifications: boolean;
  readonly deps: Deps;
  readonly clients: AwsClients;
  readonly queueDepth: (id: QueueId, which?: 'queue' | 'dlq') => Promise<number>;
  readonly outbox: () => Promise<OutboxMail[]>;
  /** Names (never values) of the secrets in the Secrets Manager stand-in. */
  readonly secretNames: () => string[];
  /** The tables' names, by id. */
  readonly tables: Readonly<Record<string, string>>;
  token(claims: TokenClaims): Promise<string>;
  fireSchedule(id: string): Promise<void>;
  stop(): Promise<void>;
}

type AnyHandler = (event: never, context: never) => Promise<never>;

export function startLocalRuntime(
  options?: LocalRuntimeOptions & { readonly vppBaseUrl?: undefined },
): Promise<LocalRuntime>;
export function startLocalRuntime(
  options: LocalRuntimeOptions,
): Promise<LocalRuntime<AppleSimulator | undefined>>;
export async function startLocalRuntime(
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime<AppleSimulator | undefined>> {
  const log = options.log ?? (() => undefined);
  const dir = options.dataDir ? resolve(options.dataDir) : undefined;
  const path = (...parts: string[]) => (dir ? join(dir, ...parts) : undefined);
  if (dir) mkdirSync(dir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const port = options.port ?? (await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;

    const dynamo = options.dynamoEndpoint
      ? undefined
      : await startDynamoDbLocal(dir ? { dataDir: join(dir, 'dynamodb') } : {});
    if (dynamo) stops.push(() => dynamo.stop());
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo?.endpoint ?? '';

    const sqs = await startSqsLocal({
      ...(path('queues.json') ? { backlogFile: path('queues.json') } : {}),
      ...(options.visibilityTimeoutSeconds
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    });
    stops.push(() => sqs.stop());
    const ses = await startSesLocal(
      path('mail', 'outbox.json') ? { outboxFile: path('mail', 'outbox.json') } : {},
    );
    stops.push(() => ses.stop());
    const secrets = await startSecretsManagerLocal(
      path('secrets', 'secrets.json') ? { file: path('secrets', 'secrets.json') } : {},
    );
    stops.push(() => secrets.stop());

    const simulator = options.vppBaseUrl
      ? undefined
      : await startAppleSimulator({
          port: options.simPort ?? 0,
          allowHttpNotifications: true,
          seed: 'demo',
          quiet: true,
          ...(path('simulator') ? { stateDir: path('simulator') } : {}),
          ...options.simulator,
        });
    if (simulator) {
      stops.push(() => simulator.close());
      if (dir) writeDemoTokens(simulator, join(dir, 'tokens'));
    }
    const appleBaseUrl = (options.vppBaseUrl ?? simulator?.baseUrl ?? '').replace(/\/+$/, '');
    const publicBaseUrl = (options.publicBaseUrl ?? apiUrl).replace(/\/+$/, '');

    const keys = await loadOrCreateKeys(path('keys') ?? mkdtempSync(join(tmpdir(), 'vpp-keys-')));
    const prefix = options.tablePrefix ?? 'vpp-local-';
    const env = localEnvironment({
      stage: 'local',
      tableCore: `${prefix}core`,
      tableAssets: `${prefix}assets`,
      tableUsers: `${prefix}users`,
      tableAssignments: `${prefix}assignments`,
      tableIdempotency: `${prefix}idempotency`,
      queueGrants: sqs.queues.grants.url,
      queueRevocations: sqs.queues.revocations.url,
      queueNotifications: sqs.queues.notifications.url,
      queueEvents: sqs.queues.events.url,
      queueJobs: sqs.queues.jobs.url,
      queueWebhooks: sqs.queues.webhooks.url,
      secretPrefix: 'vpp-manager/local/',
      cursorKeySecret: `vpp-manager/local/${CURSOR_KEY}`,
      sesSender: 'vpp-manager@local.test',
      publicBaseUrl,
      vppBaseUrl: appleBaseUrl,
      eventFirstPollSeconds: String(options.eventFirstPollSeconds ?? 300),
      eventPollIntervalSeconds: String(options.eventPollIntervalSeconds ?? 30),
      allowHttpNotifications: 'true',
      allowLoopbackWebhooks: 'true',
      reconcileDebounceSeconds: String(options.reconcileDebounceSeconds ?? 10),
      purgeRecheckSeconds: String(options.purgeRecheckSeconds ?? 60),
      webhookRetrySeconds: options.webhookRetrySeconds?.join(',') ?? '1,2,5,10,30',
      workerConcurrency: String(options.workerConcurrency ?? LOCAL_WORKER_CONCURRENCY),
    });
    // As a Lambda reads its configuration: a wrong value stops the start, naming WORKER_CONCURRENCY.
    const { workerConcurrency } = loadConfig(env, ['workerConcurrency']);
    const { deps, clients } = buildLocalDeps(
      env,
      { dynamodb: dynamoEndpoint, sqs: sqs.endpoint, ses: ses.endpoint, secretsManager: secrets.endpoint },
      options.overrides,
      appleObserver,
    );
    const tables = await ensureTables(
      clients.dynamo as unknown as Parameters<typeof ensureTables>[0],
      prefix,
    );
    // CDK creates the key that seals list cursors; here it is made once and kept under .local/.
    if (!(await deps.secrets.get(CURSOR_KEY)))
      await deps.secrets.put(CURSOR_KEY, new Secret(randomBytes(32).toString('base64url')));
    provideDeps(deps);

    const handlers = new Map<string, Promise<AnyHandler>>();
    const load = (fn: FunctionDefinition) => {
      let handler = handlers.get(fn.id);
      if (!handler) {
        handler = import(pathToFileURL(join(ROOT, fn.entry)).href).then(
          (m: { handler: AnyHandler }) => m.handler,
        );
        handlers.set(fn.id, handler);
      }
      return handler;
    };
    const byId = new Map(FUNCTIONS.map((f) => [f.id, f]));
    const fnOf = (id: string) => {
      const fn = byId.get(id);
      if (!fn) throw new Error(`No function ${id}`);
      return fn;
    };

    const pollers: Poller[] = [];
    for (const fn of FUNCTIONS) {
      if (fn.trigger.kind !== 'queue' || options.pollQueues === false) continue;
      const queueId = fn.trigger.queue;
      const definition = QUEUES.find((q) => q.id === queueId);
      const queue = sqs.queues[queueId];
      pollers.push(
        startPoller({
          client: sqs.client,
          queueUrl: queue.url,
          queueArn: queue.arn,
          batchSize: definition?.batchSize ?? 10,
          concurrency: workerConcurrency,
          functionName: fn.id,
          visibilitySeconds: options.visibilityTimeoutSeconds ?? definition?.visibilityTimeoutSeconds ?? 30,
          timeoutSeconds: options.functionTimeoutSeconds?.[fn.id] ?? fn.timeoutSeconds,
          load: () => load(fn) as never,
          // The runtime's own lines pass the logger's redaction too: a worker's error may quote a token.
          onError: (error) => log(redact(`worker ${fn.id} failed: ${(error as Error).message}`)),
        }),
      );
    }
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      const saved = await sqs.saveBacklog();
      if (saved > 0) log(`saved ${saved} queued messages for the next start`);
    });

    const scheduler: Scheduler = startScheduler(
      FUNCTIONS.flatMap((fn) => {
        if (fn.trigger.kind !== 'schedule') return [];
        const scheduleId = fn.trigger.schedule;
        const schedule = SCHEDULES.find((s) => s.id === scheduleId);
        const expression =
          options.scheduleExpressions?.[scheduleId] ??
          process.env[schedule?.envKey ?? ''] ??
          schedule?.defaultExpression ??
          '';
        return options.scheduleTimers === false
          ? []
          : [{ id: scheduleId, expression, load: () => load(fn) as never }];
      }),
      (id, error) => log(redact(`schedule ${id} failed: ${(error as Error).message}`)),
    );
    stops.push(() => scheduler.stop());

    /** Runs a schedule's handler now, with the event EventBridge would send. */
    const fireSchedule = async (id: string) => {
      const fn = FUNCTIONS.find((f) => f.trigger.kind === 'schedule' && f.trigger.schedule === id);
      if (!fn) throw new Error(`No schedule ${id}`);
      const handler = (await load(fn)) as unknown as (e: unknown, c: unknown) => Promise<unknown>;
      await handler(scheduledEvent(id, new Date()), { awsRequestId: randomUUID(), functionName: fn.id });
    };

    const oidc = options.oidc;
    const trustedIssuer = oidc ? await trustIssuer(oidc.issuer, oidc.clientId) : undefined;
    const { claims } = deps.settings;
    const serveConsole = consoleServer({
      issueToken: (claims) => issueToken(keys, claims),
      imagesFrom: simulator ? [new URL(simulator.baseUrl).origin] : [],
      ...(oidc && trustedIssuer
        ? {
            config: {
              auth: {
                kind: 'oidc',
                issuer: oidc.issuer,
                clientId: oidc.clientId,
                scopes: oidc.scopes ?? 'openid email profile offline_access',
                claims: { org: claims.org, role: claims.role, email: claims.email },
              },
            },
            connectTo: trustedIssuer.origins,
          }
        : {}),
    });
    const extra = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
      if (url.pathname === '/_local/outbox' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: await ses.outbox() }));
        return true;
      }
      if (url.pathname === '/_local/outbox.html' && req.method === 'GET') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        });
        res.end(renderOutbox(await ses.outbox()));
        return true;
      }
      if (url.pathname === '/_local/queues' && req.method === 'GET') {
        const depths: Record<string, { queue: number; dlq: number }> = {};
        for (const q of QUEUES)
          depths[q.id] = { queue: await sqs.depth(q.id), dlq: await sqs.depth(q.id, 'dlq') };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(depths));
        return true;
      }
      const fire = /^\/_local\/schedules\/([\w-]+)$/.exec(url.pathname);
      if (fire?.[1] && req.method === 'POST') {
        const known = FUNCTIONS.some((f) => f.trigger.kind === 'schedule' && f.trigger.schedule === fire[1]);
        if (known) await fireSchedule(fire[1]);
        res.writeHead(known ? 202 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(known ? { fired: fire[1] } : { message: 'Not Found' }));
        return true;
      }
      return serveConsole(req, res, url);
    };
    const gateway: Server = await startGateway({
      port,
      routes: ROUTES,
      keys,
      ...(trustedIssuer ? { trustedIssuer } : {}),
      extra,
      loadHandler: (fn) => load(fnOf(fn)) as never,
      throttle: { ratePerSecond: 500, burst: 1000 },
    });
    stops.push(() => new Promise<void>((r) => gateway.close(() => r())));

    return {
      apiUrl,
      simulator,
      appleBaseUrl,
      appleNotifications: appleCanNotify(deps.settings),
      deps,
      clients,
      queueDepth: (id, which) => sqs.depth(id, which),
      outbox: () => ses.outbox(),
      secretNames: () => secrets.names(),
      tables,
      token: (claims) => issueToken(keys, claims),
      fireSchedule,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Writes each simulator location's current token to `<dir>/<locationId>.vpptoken` (owner-only). */
function writeDemoTokens(simulator: AppleSimulator, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const snapshot = simulator.snapshot();
  for (const location of snapshot.locations) {
    const usable = snapshot.tokens.find((t) => t.locationId === location.id && !t.expired && !t.revoked);
    const token = usable?.content ?? simulator.issueToken(location.id);
    const file = join(dir, `${location.id}.vpptoken`);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
}
