/**
 * Deploy-time configuration of the CDK app: every setting comes from CDK context (`-c key=value` or
 * cdk.json) or, failing that, from an environment variable; context wins. Everything has a default
 * that synthesises offline, so `cdk synth` needs neither an AWS account nor flags. Values are validated
 * with zod and every problem is reported at once, naming the context key and the variable.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { workerConcurrencySetting } from '../shared/config/config.ts';
import { ENV } from '../shared/config/env-keys.ts';
import { SCHEDULES, type ScheduleId } from '../shared/config/schedules.ts';

/** Where one setting is read from, and what it means (the README table is written from this). */
export interface SettingSource {
  readonly env: string;
  readonly description: string;
}

const FIXED_SETTINGS = {
  stage: { env: ENV.stage, description: 'Stage name: stack names, secret prefix `vpp-manager/<stage>/`' },
  sesSender: { env: ENV.sesSender, description: 'From address of every e-mail' },
  sesIdentity: {
    env: 'SES_IDENTITY',
    description: 'SES identity to create: a domain (DKIM records are output) or the sender address',
  },
  publicBaseUrl: { env: ENV.publicBaseUrl, description: 'Public https URL: invitation links, Apple webhook' },
  vppBaseUrl: { env: ENV.vppBaseUrl, description: "Apple's App and Book Management API base URL" },
  jwtIssuer: { env: 'JWT_ISSUER', description: 'JWT issuer URL (with jwtAudience); none: a Cognito pool' },
  jwtAudience: { env: 'JWT_AUDIENCE', description: 'JWT audience(s), comma-separated (with jwtIssuer)' },
  consoleClientId: {
    env: 'CONSOLE_CLIENT_ID',
    description: "The console's OIDC client id at jwtIssuer (default: the first jwtAudience)",
  },
  consoleScopes: {
    env: 'CONSOLE_SCOPES',
    description: 'Scopes the console asks jwtIssuer for (default: openid email profile offline_access)',
  },
  jwtClaimSub: { env: ENV.claimSub, description: "Claim with the caller's id" },
  jwtClaimEmail: { env: ENV.claimEmail, description: "Claim with the caller's e-mail" },
  jwtClaimOrg: { env: ENV.claimOrg, description: "Claim with the caller's organisation" },
  jwtClaimRole: { env: ENV.claimRole, description: "Claim with the caller's role" },
  eventFirstPollSeconds: {
    env: ENV.eventFirstPollSeconds,
    description: 'First status poll of an Apple event after this many seconds',
  },
  eventPollIntervalSeconds: {
    env: ENV.eventPollIntervalSeconds,
    description: 'Then poll at most this often (seconds)',
  },
  workerConcurrency: {
    env: ENV.workerConcurrency,
    description: 'How many batches of one queue its worker handles at once (2 to 1000)',
  },
  alarmEmail: { env: 'ALARM_EMAIL', description: 'Optional e-mail subscribed to the alarm topic' },
  logRetentionDays: { env: 'LOG_RETENTION_DAYS', description: 'Retention of function and access logs' },
  apiThrottleRate: { env: 'API_THROTTLE_RATE', description: 'HTTP API steady-state requests per second' },
  apiThrottleBurst: { env: 'API_THROTTLE_BURST', description: 'HTTP API burst' },
} as const satisfies Record<string, SettingSource>;

/** Every setting: the fixed ones and one per schedule of shared/config/schedules.ts. */
export const SETTINGS: Readonly<Record<string, SettingSource>> = {
  ...FIXED_SETTINGS,
  ...Object.fromEntries(
    SCHEDULES.map((s) => [s.contextKey, { env: s.envKey, description: `${s.description} (schedule)` }]),
  ),
};

export interface JwtClaims {
  readonly sub: string;
  readonly email: string;
  readonly org: string;
  readonly role: string;
}

/**
 * Who issues the JWTs the HTTP API accepts. With an external issuer the console signs in there as the
 * OIDC client `consoleClientId`, whose ID tokens the API accepts too (it joins the audience).
 */
export type AuthConfig =
  | { readonly kind: 'cognito' }
  | {
      readonly kind: 'external';
      readonly issuer: string;
      readonly audience: readonly string[];
      readonly consoleClientId: string;
      readonly consoleScopes: string;
    };

export interface EmailConfig {
  /** The From address. */
  readonly sender: string;
  /** The SES identity that authorises the sender: its domain or the address itself. */
  readonly identity: string;
  readonly identityKind: 'domain' | 'address';
}

export interface InfraConfig {
  readonly stage: string;
  /** `vpp-manager/<stage>/`: the only secret names the functions may touch. */
  readonly secretPrefix: string;
  readonly email: EmailConfig;
  /** `undefined`: the HTTP API's own URL. */
  readonly publicBaseUrl: string | undefined;
  readonly vppBaseUrl: string;
  readonly schedules: Readonly<Record<ScheduleId, string>>;
  readonly auth: AuthConfig;
  readonly claims: JwtClaims;
  readonly eventFirstPollSeconds: number;
  readonly eventPollIntervalSeconds: number;
  /** Each queue worker's event-source maximum concurrency (`WORKER_CONCURRENCY`). */
  readonly workerConcurrency: number;
  readonly alarmEmail: string | undefined;
  readonly logRetentionDays: RetentionDays;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

const DEFAULT_SENDER = 'no-reply@example.com';
const DEFAULT_VPP_BASE_URL = 'https://vpp.itunes.apple.com/mdm/v2';

const https = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const email = z.email({ error: 'must be an e-mail address' });
const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name');
const claim = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,128}$/, 'must be a claim name such as "sub" or "custom:org"');
const seconds = z.coerce.number().int().min(1).max(900);
const RETENTIONS = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
/** EventBridge: `rate(<n> <unit>)` or a six-field `cron(...)`. */
const scheduleExpression = z
  .string()
  .regex(
    /^(rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(\s*(\S+\s+){5}\S+\s*\))$/,
    'must be an EventBridge expression: rate(<n> <unit>) or cron(<6 fields>)',
  );

const SCHEMA = z
  .object({
    stage: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,15}$/,
        'must be 1-16 lower-case letters, digits or "-", starting with a letter',
      )
      .default('dev'),
    sesSender: email.default(DEFAULT_SENDER),
    sesIdentity: z.union([email, domain], { error: 'must be an e-mail address or a domain name' }).optional(),
    publicBaseUrl: https.optional(),
    vppBaseUrl: https.default(DEFAULT_VPP_BASE_URL),
    jwtIssuer: https.optional(),
    jwtAudience: z.string().trim().min(1).optional(),
    consoleClientId: z
      .string()
      .regex(/^[\w.:@/-]{1,255}$/, 'must be an OAuth client id (letters, digits and ._:@/-)')
      .optional(),
    consoleScopes: z
      .string()
      .regex(
        /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/,
        'must be scopes separated by one space',
      )
      .refine((s) => s.split(' ').includes('openid'), 'must include openid')
      .optional(),
    jwtClaimSub: claim.optional(),
    jwtClaimEmail: claim.optional(),
    jwtClaimOrg: claim.optional(),
    jwtClaimRole: claim.optional(),
    eventFirstPollSeconds: seconds.default(300),
    eventPollIntervalSeconds: seconds.default(30),
    workerConcurrency: workerConcurrencySetting,
    alarmEmail: email.optional(),
    logRetentionDays: z.coerce
      .number()
      .refine((n) => RETENTIONS.includes(n), `must be one of ${RETENTIONS.join(', ')}`)
      .default(RetentionDays.ONE_MONTH),
    apiThrottleRate: z.coerce.number().int().min(1).max(10_000).default(50),
    apiThrottleBurst: z.coerce.number().int().min(1).max(5_000).default(100),
  })
  .superRefine((c, ctx) => {
    if ((c.jwtIssuer === undefined) !== (c.jwtAudience === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.jwtIssuer === undefined ? 'jwtIssuer' : 'jwtAudience'],
        message:
          'jwtIssuer and jwtAudience must be given together (or neither, to create a Cognito user pool)',
      });
    }
    if (c.sesIdentity !== undefined && !authorises(c.sesIdentity, c.sesSender)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sesIdentity'],
        message: `must be the sender address or the domain of the sender (${c.sesSender})`,
      });
    }
  });

/** An address identity authorises only itself; a domain identity its addresses and its subdomains'. */
function authorises(identity: string, sender: string): boolean {
  const id = identity.toLowerCase();
  if (id.includes('@')) return id === sender.toLowerCase();
  const senderDomain = sender.split('@')[1]?.toLowerCase() ?? '';
  return senderDomain === id || senderDomain.endsWith(`.${id}`);
}

/** Reads a setting from CDK context (a getter such as `app.node.tryGetContext`), else the environment. */
export type ContextReader = (key: string) => unknown;

function rawSettings(context: ContextReader, env: Readonly<Record<string, string | undefined>>) {
  const raw: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(SETTINGS)) {
    const fromContext = context(key);
    const value = fromContext ?? env[source.env];
    // `-c key=` and `KEY=` mean "not set", never an empty value.
    raw[key] = value === '' || value === null ? undefined : value;
  }
  return raw;
}

/**
 * Parses and validates the configuration.
 * @throws InfraConfigError naming every setting that is wrong, with its context key and variable.
 */
export function loadInfraConfig(
  context: ContextReader,
  env: Readonly<Record<string, string | undefined>> = {},
): InfraConfig {
  const raw = rawSettings(context, env);
  const issues: { key: string; message: string }[] = [];
  const parsed = SCHEMA.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ key: String(issue.path[0] ?? ''), message: issue.message });
    }
  }
  const schedules: Partial<Record<ScheduleId, string>> = {};
  for (const s of SCHEDULES) {
    const expression = scheduleExpression.safeParse(raw[s.contextKey] ?? s.defaultExpression);
    if (expression.success) schedules[s.id] = expression.data.trim();
    else issues.push({ key: s.contextKey, message: expression.error.issues[0]?.message ?? 'is invalid' });
  }
  if (!parsed.success || issues.length > 0) {
    const lines = issues.map(({ key, message }) => {
      const source = SETTINGS[key];
      return `  - ${key}${source ? ` (context "${key}" or env ${source.env})` : ''}: ${message}`;
    });
    throw new InfraConfigError(`Invalid deployment configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const identity = c.sesIdentity ?? c.sesSender;
  const audience = (c.jwtAudience ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  const auth: AuthConfig =
    c.jwtIssuer !== undefined && audience[0] !== undefined
      ? {
          kind: 'external',
          issuer: c.jwtIssuer,
          audience,
          consoleClientId: c.consoleClientId ?? audience[0],
          consoleScopes: c.consoleScopes ?? 'openid email profile offline_access',
        }
      : { kind: 'cognito' };
  const cognito = auth.kind === 'cognito';
  return {
    stage: c.stage,
    secretPrefix: `vpp-manager/${c.stage}/`,
    email: {
      sender: c.sesSender,
      identity,
      identityKind: identity.includes('@') ? 'address' : 'domain',
    },
    publicBaseUrl: c.publicBaseUrl?.replace(/\/+$/, ''),
    vppBaseUrl: c.vppBaseUrl.replace(/\/+$/, ''),
    schedules: schedules as Record<ScheduleId, string>,
    auth,
    claims: {
      sub: c.jwtClaimSub ?? 'sub',
      email: c.jwtClaimEmail ?? 'email',
      // Cognito puts custom attributes in the ID token as `custom:<name>`.
      org: c.jwtClaimOrg ?? (cognito ? 'custom:org' : 'org'),
      role: c.jwtClaimRole ?? (cognito ? 'custom:role' : 'role'),
    },
    eventFirstPollSeconds: c.eventFirstPollSeconds,
    eventPollIntervalSeconds: c.eventPollIntervalSeconds,
    workerConcurrency: c.workerConcurrency,
    alarmEmail: c.alarmEmail,
    logRetentionDays: c.logRetentionDays as RetentionDays,
    apiThrottle: { rateLimit: c.apiThrottleRate, burstLimit: c.apiThrottleBurst },
  };
}
