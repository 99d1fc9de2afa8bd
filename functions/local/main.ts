/**
 * `npm start`: the whole system on this machine, state in `.local/`. Prints a line with `ready` and
 * the URLs when it can serve; Ctrl-C (or SIGTERM) stops everything, DynamoDB Local's JVM included.
 * `VPP_BASE_URL` points it at another Apple (Apple itself, or a stand-in started apart): then no
 * simulator starts and no demo token is written; `PUBLIC_BASE_URL` is where that Apple reaches the API.
 * `LOCAL_OIDC_ISSUER` and `LOCAL_OIDC_CLIENT_ID` (with `LOCAL_OIDC_SCOPES`) make the console sign in at
 * that OpenID provider, whose ID tokens the API then accepts besides `npm run token`'s.
 * `WORKER_CONCURRENCY` is how many batches of one queue its worker handles at once (default 4 here).
 */
import { resolve } from 'node:path';

// Before any handler module loads: Powertools reads these once. Logs stay JSON, warnings and errors
// only unless POWERTOOLS_LOG_LEVEL says otherwise; metrics are not printed (no CloudWatch here).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startLocalRuntime } = await import('./runtime.ts');
const { consoleBuildIsCurrent, ensureConsoleBuilt } = await import('../../shared/console/build.ts');

// The admin console: built (Vite) when missing or older than its sources, before the first page asks.
if (!consoleBuildIsCurrent()) process.stderr.write('[local] building the admin console...\n');
await ensureConsoleBuilt();

const port = Number(process.env.PORT ?? 8080);
const simPort = Number(process.env.SIM_PORT ?? 8081);
const dataDir = resolve(process.env.LOCAL_DIR ?? '.local');

const runtime = await startLocalRuntime({
  dataDir,
  port,
  simPort,
  ...(process.env.VPP_BASE_URL ? { vppBaseUrl: process.env.VPP_BASE_URL } : {}),
  ...(process.env.PUBLIC_BASE_URL ? { publicBaseUrl: process.env.PUBLIC_BASE_URL } : {}),
  ...localOidc(process.env),
  log: (line) => process.stderr.write(`[local] ${line}\n`),
  ...(process.env.LOCAL_VISIBILITY_SECONDS
    ? { visibilityTimeoutSeconds: Number(process.env.LOCAL_VISIBILITY_SECONDS) }
    : {}),
  ...(process.env.EVENT_FIRST_POLL_SECONDS
    ? { eventFirstPollSeconds: Number(process.env.EVENT_FIRST_POLL_SECONDS) }
    : {}),
  ...(process.env.EVENT_POLL_INTERVAL_SECONDS
    ? { eventPollIntervalSeconds: Number(process.env.EVENT_POLL_INTERVAL_SECONDS) }
    : {}),
  ...(process.env.WORKER_CONCURRENCY ? { workerConcurrency: Number(process.env.WORKER_CONCURRENCY) } : {}),
  ...(process.env.SIM_EVENT_DELAY_MS
    ? { simulator: { eventDelayMs: Number(process.env.SIM_EVENT_DELAY_MS) } }
    : {}),
});

/** The external OpenID provider of the console, when both its variables are set (one alone is a mistake). */
function localOidc(env: NodeJS.ProcessEnv) {
  const issuer = env.LOCAL_OIDC_ISSUER;
  const clientId = env.LOCAL_OIDC_CLIENT_ID;
  if (!issuer && !clientId) return {};
  if (!issuer || !clientId) {
    process.stderr.write(
      '[local] LOCAL_OIDC_ISSUER and LOCAL_OIDC_CLIENT_ID go together: set both or neither.\n',
    );
    process.exit(1);
  }
  return { oidc: { issuer, clientId, ...(env.LOCAL_OIDC_SCOPES ? { scopes: env.LOCAL_OIDC_SCOPES } : {}) } };
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[local] ${signal}: stopping\n`);
  runtime.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[local] could not stop cleanly: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

const apple = runtime.simulator
  ? `Apple simulator ${runtime.appleBaseUrl} · tokens in ${dataDir}/tokens`
  : `Apple ${runtime.appleBaseUrl} (VPP_BASE_URL; no simulator) · notifications ${runtime.appleNotifications ? 'registered' : 'off: events polled'}`;
process.stdout.write(
  `VPP Manager ready: console ${runtime.apiUrl}/ · API ${runtime.apiUrl}/v1 · OpenAPI ${runtime.apiUrl}/v1/openapi.json · outbox ${runtime.apiUrl}/_local/outbox.html · ` +
    `${apple} · get a JWT: npm run token -- --org demo --role org-admin --email admin@demo.test\n`,
);
