/**
 * Configuration, parsed once at cold start from the environment with zod. Each function asks only for
 * the keys it needs; a missing one fails at start with a message naming it, never later with `''`.
 */

import * as z from 'zod';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../domain/webhook-event.ts';
import { ENV, type EnvKey } from './env-keys.ts';

const url = z.url({ protocol: /^https?$/ });
const seconds = z.coerce.number().int().nonnegative();

/**
 * How many batches of one queue its worker handles at once (`WORKER_CONCURRENCY`; Lambda: the SQS event
 * source's maximum concurrency, which takes 2 to 1000). Apple's rate is kept per token by the shared
 * rate slots, not by this. infra/config.ts reads the deployed value with the same rule.
 */
export const workerConcurrencySetting = z.coerce.number().int().min(2).max(1000).default(20);

const SCHEMA = {
  stage: z.string().min(1).default('dev'),
  tableCore: z.string().min(1),
  tableAssets: z.string().min(1),
  tableUsers: z.string().min(1),
  tableAssignments: z.string().min(1),
  tableIdempotency: z.string().min(1),
  queueGrants: url,
  queueRevocations: url,
  queueNotifications: url,
  queueEvents: url,
  queueJobs: url,
  queueWebhooks: url,
  secretPrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'must end with "/"'),
  cursorKeySecret: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/),
  sesSender: z.string().min(3),
  sesConfigurationSet: z.string().min(1).optional(),
  publicBaseUrl: url.transform((u) => u.replace(/\/+$/, '')),
  vppBaseUrl: url.default('https://vpp.itunes.apple.com/mdm/v2'),
  claimSub: z.string().min(1).default('sub'),
  claimEmail: z.string().min(1).default('email'),
  claimOrg: z.string().min(1).default('org'),
  claimRole: z.string().min(1).default('role'),
  eventFirstPollSeconds: seconds.default(300),
  eventPollIntervalSeconds: seconds.default(30),
  /** Changes to inventory, users or deployments start a reconciliation this long after the first. */
  reconcileDebounceSeconds: z.coerce.number().int().min(0).max(900).default(60),
  /** A removed account's purge looks again this long after it (a function that read the account before may still write). */
  purgeRecheckSeconds: z.coerce.number().int().min(0).max(900).default(900),
  /** Seconds before each webhook retry, comma-separated (about a day in AWS; seconds in tests). */
  webhookRetrySeconds: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated whole seconds')
    .default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(','))
    .transform((v) => v.split(',').map(Number)),
  workerConcurrency: workerConcurrencySetting,
  allowHttpNotifications: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Local mode only: webhooks may go to this machine (loopback), over http too. */
  allowLoopbackWebhooks: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
} satisfies Record<EnvKey, z.ZodType>;

export type Config = { [K in EnvKey]: z.output<(typeof SCHEMA)[K]> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the given keys from `env`; throws a `ConfigError` naming every variable that is missing or wrong. */
export function loadConfig<K extends EnvKey>(
  env: Record<string, string | undefined>,
  keys: readonly K[],
): Pick<Config, K> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const raw = env[ENV[key]];
    const parsed = SCHEMA[key].safeParse(raw === '' ? undefined : raw);
    if (parsed.success) result[key] = parsed.data;
    else
      problems.push(
        `${ENV[key]} ${raw === undefined || raw === '' ? 'is not set' : `is invalid (${parsed.error.issues[0]?.message})`}`,
      );
  }
  if (problems.length > 0) throw new ConfigError(`Configuration error: ${problems.join('; ')}.`);
  return result as Pick<Config, K>;
}
