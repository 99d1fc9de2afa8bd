/**
 * A deployment: how an asset reaches its scope (SPEC §3, §5.7), and the planning of a reconciliation.
 * Everything here is pure: given the scope, the subjects, the holders and the free licences, it says
 * who should be granted (in a stable order, as far as licences last), who revoked (after the grace
 * period), and what the shortage is.
 *
 * Scope: a device is in scope when its network is one of the scope's networks (none listed: any) and
 * it carries one of the scope's tags (none listed: any); it must also be in one of the account's
 * assignable networks to receive a device licence. A user is in scope when they own an in-scope device
 * (matched by e-mail) or carry one of the scope's tags; only Invited and Associated users can hold one.
 * A device whose platform the asset does not run on (platform.ts) is skipped, with its reason.
 *
 * Order when licences run short: subjects in the inventory longest first (device `createdAt`, user
 * `createdAt`), then by serial number or user id, so the same subjects win every hour.
 *
 * Grace: a holder's grace period counts from the later of the first reconciliation that saw it out of
 * scope and the deployment's last change (a deployment removed and made again, or changed, never
 * takes a licence back earlier than its grace period after that change).
 *
 * Failed grants: a subject Apple refused for want of licences, or while it was down, is tried again at
 * the next reconciliation (and is shortage while nothing is free); one refused for any other reason
 * (an unknown user, an asset that cannot go to devices, ...) is tried again a day later, so a refusal
 * that repeats costs one attempt a day, not one an hour.
 */
import * as z from 'zod';
import { PricingParamSchema } from './asset.ts';
import type { AssignmentRecord } from './assignment.ts';
import type { Device } from './device.ts';
import { platformRefusal } from './platform.ts';
import type { VppUser } from './vpp-user.ts';

export const ScopeSchema = z.object({ networks: z.array(z.string()), tags: z.array(z.string()) });
export type Scope = z.infer<typeof ScopeSchema>;

export const DeploymentSchema = z.object({
  orgId: z.string(),
  accountId: z.string(),
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  method: z.enum(['device', 'user']),
  scope: ScopeSchema,
  autoAssign: z.boolean(),
  autoRevoke: z.boolean(),
  revokeGraceHours: z.number().int().nonnegative(),
  /** The shortage last reported, and when its alert went out (one alert until it is resolved). */
  shortage: z.object({ count: z.number().int(), alertedAt: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

export interface Subject {
  readonly type: 'device' | 'user';
  readonly id: string;
  /** For the stable order. */
  readonly since: string;
  /** In scope, but the asset cannot go to it (a device of a platform the asset does not run on). */
  readonly refused?: { code: string; reason: string };
}

export function deviceInScope(device: Device, scope: Scope): boolean {
  const network = scope.networks.length === 0 || scope.networks.includes(device.networkId);
  const tagged = scope.tags.length === 0 || scope.tags.some((t) => device.tags.includes(t));
  return network && tagged;
}

/**
 * The subjects that should hold the asset. A device of a platform the asset does not run on
 * (`supportedPlatforms`, platform.ts) is in scope but marked `refused`: never granted, and a licence
 * it holds is not taken back for it.
 */
export function subjectsInScope(
  deployment: Pick<Deployment, 'method' | 'scope'>,
  devices: readonly Device[],
  users: readonly VppUser[],
  assignableNetworks: readonly string[],
  supportedPlatforms: readonly string[] = [],
): Subject[] {
  const inScope = devices.filter((d) => deviceInScope(d, deployment.scope));
  if (deployment.method === 'device') {
    return inScope
      .filter((d) => assignableNetworks.length === 0 || assignableNetworks.includes(d.networkId))
      .map((d) => {
        const refused = platformRefusal(supportedPlatforms, d.platform);
        return {
          type: 'device' as const,
          id: d.serialNumber,
          since: d.createdAt,
          ...(refused ? { refused } : {}),
        };
      });
  }
  const owners = new Set(inScope.map((d) => d.ownerEmail).filter((e): e is string => e !== undefined));
  return users
    .filter((u) => u.status === 'Invited' || u.status === 'Associated')
    .filter(
      (u) =>
        (u.email !== undefined && owners.has(u.email)) ||
        deployment.scope.tags.some((t) => u.tags.includes(t)),
    )
    .map((u) => ({ type: 'user' as const, id: u.id, since: u.createdAt }));
}

/** Apple refusals that a later attempt can overcome at once: no licence left, maintenance, internal error. */
const RETRY_AT_ONCE = new Set([9709, 9644, 9603]);
export const FAILED_RETRY_HOURS = 24;

/** When a failed grant may be tried again. */
export function retryAfterFailure(holder: AssignmentRecord): Date {
  const errorNumber = holder.error?.errorNumber;
  if (errorNumber !== undefined && RETRY_AT_ONCE.has(errorNumber)) return new Date(0);
  return new Date(new Date(holder.updatedAt).getTime() + FAILED_RETRY_HOURS * 3_600_000);
}

export const stableOrder = (a: Subject, b: Subject): number =>
  a.since === b.since ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.since < b.since ? -1 : 1;

export interface ReconciliationPlan {
  /** In the stable order, as far as free licences last. */
  readonly grant: Subject[];
  /** In scope, not holding, beyond the free licences. */
  readonly shortage: Subject[];
  /** Out of scope for longer than the grace period: to revoke now. */
  readonly revoke: { subject: Subject; graceEndsAt: string }[];
  /** Out of scope, still within the grace period. */
  readonly inGrace: { subject: Subject; graceEndsAt: string }[];
  /** In scope, refused by Apple recently for a reason a retry will not fix at once. */
  readonly retryLater: { subject: Subject; retryAt: string; code: string }[];
  /** In scope, not holding, and the asset cannot go to it (`Subject.refused`): never granted. */
  readonly skipped: { subject: Subject; code: string; reason: string }[];
  /** Holders that just left the scope: the time they left is recorded (a write). */
  readonly leftScope: AssignmentRecord[];
  /** Holders back in scope: the recorded time is cleared (a write). */
  readonly backInScope: AssignmentRecord[];
  readonly inScope: number;
}

export function planReconciliation(input: {
  deployment: Deployment;
  inScope: readonly Subject[];
  holders: readonly AssignmentRecord[];
  freeLicenses: number;
  now: Date;
}): ReconciliationPlan {
  const { deployment, now } = input;
  const key = (type: string, id: string) => `${type}:${id}`;
  const wanted = new Map(input.inScope.map((s) => [key(s.type, s.id), s]));
  const held = new Map(
    input.holders
      .filter((h) => h.subjectType === deployment.method)
      .map((h) => [key(h.subjectType, h.subjectId), h]),
  );

  const retryLater: ReconciliationPlan['retryLater'] = [];
  const skipped: ReconciliationPlan['skipped'] = [];
  const missing = [...wanted.values()].filter((s) => {
    const h = held.get(key(s.type, s.id));
    if (s.refused && (!h || h.state === 'revoked' || h.state === 'failed')) {
      skipped.push({ subject: s, ...s.refused });
      return false;
    }
    if (h?.state === 'failed') {
      const retryAt = retryAfterFailure(h);
      if (retryAt.getTime() <= now.getTime()) return true;
      retryLater.push({ subject: s, retryAt: retryAt.toISOString(), code: h.error?.code ?? 'failed' });
      return false;
    }
    return !h || h.state === 'revoked';
  });
  missing.sort(stableOrder);
  const room = deployment.autoAssign ? Math.max(0, Math.min(missing.length, input.freeLicenses)) : 0;
  const grant = missing.slice(0, room);
  const shortage = deployment.autoAssign ? missing.slice(room) : [];

  const revoke: ReconciliationPlan['revoke'] = [];
  const inGrace: ReconciliationPlan['inGrace'] = [];
  const leftScope: AssignmentRecord[] = [];
  const backInScope: AssignmentRecord[] = [];
  const graceMs = deployment.revokeGraceHours * 3_600_000;
  for (const [k, holder] of held) {
    if (holder.state !== 'granted') continue;
    if (wanted.has(k)) {
      if (holder.outOfScopeSince) backInScope.push(holder);
      continue;
    }
    // autoRevoke takes back only what the deployment granted, never a manual grant.
    if (!deployment.autoRevoke || holder.source !== 'deployment') continue;
    const subject = { type: holder.subjectType, id: holder.subjectId, since: holder.createdAt };
    if (!holder.outOfScopeSince) {
      leftScope.push(holder);
      if (graceMs === 0) revoke.push({ subject, graceEndsAt: now.toISOString() });
      else inGrace.push({ subject, graceEndsAt: new Date(now.getTime() + graceMs).toISOString() });
      continue;
    }
    const since = Math.max(Date.parse(holder.outOfScopeSince), Date.parse(deployment.updatedAt));
    const ends = new Date(since + graceMs);
    if (ends.getTime() <= now.getTime()) revoke.push({ subject, graceEndsAt: ends.toISOString() });
    else inGrace.push({ subject, graceEndsAt: ends.toISOString() });
  }
  skipped.sort((a, b) => stableOrder(a.subject, b.subject));
  return {
    grant,
    shortage,
    revoke,
    inGrace,
    retryLater,
    skipped,
    leftScope,
    backInScope,
    inScope: wanted.size,
  };
}
