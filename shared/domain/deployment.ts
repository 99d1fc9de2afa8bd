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
 * A device as a subject of a device deployment: undefined when it is out of the scope or outside the
 * account's assignable networks. A device of a platform the asset does not run on
 * (`supportedPlatforms`, platform.ts) is in scope but marked `refused`: never granted, and a licence
 * it holds is not taken back for it.
 */
export function deviceSubject(
  deployment: Pick<Deployment, 'scope'>,
  device: Device,
  assignableNetworks: readonly string[],
  supportedPlatforms: readonly string[] = [],
): Subject | undefined {
  if (!deviceInScope(device, deployment.scope)) return undefined;
  if (assignableNetworks.length > 0 && !assignableNetworks.includes(device.networkId)) return undefined;
  const refused = platformRefusal(supportedPlatforms, device.platform);
  return {
    type: 'device',
    id: device.serialNumber,
    since: device.createdAt,
    ...(refused ? { refused } : {}),
  };
}

/** Whether a user may hold a licence of a user deployment at all (before its scope is looked at). */
export const userCanHold = (user: VppUser): boolean =>
  user.status === 'Invited' || user.status === 'Associated';

/**
 * The users of a user deployment: those who may hold one and own an in-scope device (`owners`: the
 * e-mails of the devices in `deviceInScope`) or carry one of the scope's tags.
 */
export function usersInScope(
  deployment: Pick<Deployment, 'scope'>,
  owners: ReadonlySet<string>,
  users: readonly VppUser[],
): Subject[] {
  return users
    .filter(userCanHold)
    .filter(
      (u) =>
        (u.email !== undefined && owners.has(u.email)) ||
        deployment.scope.tags.some((t) => u.tags.includes(t)),
    )
    .map((u) => ({ type: 'user' as const, id: u.id, since: u.createdAt }));
}

/** The subjects that should hold the asset (`deviceSubject`, `usersInScope`). */
export function subjectsInScope(
  deployment: Pick<Deployment, 'method' | 'scope'>,
  devices: readonly Device[],
  users: readonly VppUser[],
  assignableNetworks: readonly string[],
  supportedPlatforms: readonly string[] = [],
): Subject[] {
  if (deployment.method === 'device')
    return devices.flatMap((d) => deviceSubject(deployment, d, assignableNetworks, supportedPlatforms) ?? []);
  const owners = new Set(
    devices
      .filter((d) => deviceInScope(d, deployment.scope))
      .map((d) => d.ownerEmail)
      .filter((e): e is string => e !== undefined),
  );
  return usersInScope(deployment, owners, users);
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

/** What one subject of a deployment needs: the subject in scope (if it is) paired with its holding (if any). */
export type SubjectDecision =
  | { readonly kind: 'nothing' }
  /** In scope and not holding: to grant, as far as licences last (`GrantSelection`). */
  | { readonly kind: 'missing'; readonly subject: Subject }
  | { readonly kind: 'skipped'; readonly subject: Subject; readonly code: string; readonly reason: string }
  | {
      readonly kind: 'retryLater';
      readonly subject: Subject;
      readonly retryAt: string;
      readonly code: string;
    }
  /** A holder back in scope whose time out of it is recorded: to clear (a write). */
  | { readonly kind: 'backInScope'; readonly holder: AssignmentRecord }
  /**
   * A holder the deployment granted, out of scope: to revoke now, or in its grace period. `leftScope`:
   * it has just left, and the time it left is to be recorded (a write).
   */
  | {
      readonly kind: 'revoke' | 'inGrace';
      readonly subject: Subject;
      readonly graceEndsAt: string;
      readonly leftScope: AssignmentRecord | undefined;
    };

const NOTHING: SubjectDecision = { kind: 'nothing' };

/**
 * The decision for one subject: `inScope` is the subject if it is in the deployment's scope, `holder`
 * its record of the asset if it has one (a record of another subject type than the deployment's
 * method is not looked at). The one home of the per-subject rules of a reconciliation, for the plan
 * made in memory (`planReconciliation`) and the one made page by page.
 */
export function classifySubject(
  deployment: Pick<Deployment, 'method' | 'autoRevoke' | 'revokeGraceHours' | 'updatedAt'>,
  inScope: Subject | undefined,
  holder: AssignmentRecord | undefined,
  now: Date,
): SubjectDecision {
  const h = holder?.subjectType === deployment.method ? holder : undefined;
  if (inScope) {
    if (inScope.refused && (!h || h.state === 'revoked' || h.state === 'failed'))
      return { kind: 'skipped', subject: inScope, ...inScope.refused };
    if (h?.state === 'failed') {
      const retryAt = retryAfterFailure(h);
      if (retryAt.getTime() <= now.getTime()) return { kind: 'missing', subject: inScope };
      return {
        kind: 'retryLater',
        subject: inScope,
        retryAt: retryAt.toISOString(),
        code: h.error?.code ?? 'failed',
      };
    }
    if (!h || h.state === 'revoked') return { kind: 'missing', subject: inScope };
    if (h.state === 'granted' && h.outOfScopeSince) return { kind: 'backInScope', holder: h };
    return NOTHING;
  }
  if (h?.state !== 'granted') return NOTHING;
  // autoRevoke takes back only what the deployment granted, never a manual grant.
  if (!deployment.autoRevoke || h.source !== 'deployment') return NOTHING;
  const subject = { type: h.subjectType, id: h.subjectId, since: h.createdAt };
  const graceMs = deployment.revokeGraceHours * 3_600_000;
  if (!h.outOfScopeSince) {
    const ends = new Date(now.getTime() + graceMs).toISOString();
    return { kind: graceMs === 0 ? 'revoke' : 'inGrace', subject, graceEndsAt: ends, leftScope: h };
  }
  const since = Math.max(Date.parse(h.outOfScopeSince), Date.parse(deployment.updatedAt));
  const ends = new Date(since + graceMs);
  return {
    kind: ends.getTime() <= now.getTime() ? 'revoke' : 'inGrace',
    subject,
    graceEndsAt: ends.toISOString(),
    leftScope: undefined,
  };
}

/**
 * The subjects to grant: the first in the stable order as far as the free licences last (none unless
 * the deployment has `autoAssign`); the rest is the shortage. Offered one at a time; unless
 * `listShortage`, it keeps at most about twice the free licences (and at least a thousand) and counts
 * the rest, so its memory is bounded by what is granted, not by how many are missing.
 */
export class GrantSelection {
  readonly #room: number;
  readonly #listShortage: boolean;
  readonly #active: boolean;
  #kept: Subject[] = [];
  #beyond = 0;

  constructor(
    deployment: Pick<Deployment, 'autoAssign'>,
    freeLicenses: number,
    options: { listShortage?: boolean } = {},
  ) {
    this.#active = deployment.autoAssign;
    this.#room = Math.max(0, freeLicenses);
    this.#listShortage = options.listShortage ?? false;
  }

  offer(subject: Subject): void {
    if (!this.#active) return;
    this.#kept.push(subject);
    if (!this.#listShortage && this.#kept.length >= Math.max(2 * this.#room, 1000)) this.#trim();
  }

  #trim(): void {
    this.#kept.sort(stableOrder);
    this.#beyond += this.#kept.length - Math.min(this.#kept.length, this.#room);
    this.#kept.length = Math.min(this.#kept.length, this.#room);
  }

  /** The grants in the stable order, the shortage's count, and its subjects when listed (else none). */
  result(): { grant: Subject[]; shortage: Subject[]; shortageCount: number } {
    this.#kept.sort(stableOrder);
    const room = Math.min(this.#kept.length, this.#room);
    const shortage = this.#listShortage ? this.#kept.slice(room) : [];
    return {
      grant: this.#kept.slice(0, room),
      shortage,
      shortageCount: this.#beyond + this.#kept.length - room,
    };
  }
}

/** The plan of one deployment in memory, every subject listed (the plan view, the licence report). */
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
  const grants = new GrantSelection(deployment, input.freeLicenses, { listShortage: true });
  const plan = {
    revoke: [] as ReconciliationPlan['revoke'],
    inGrace: [] as ReconciliationPlan['inGrace'],
    retryLater: [] as ReconciliationPlan['retryLater'],
    skipped: [] as ReconciliationPlan['skipped'],
    leftScope: [] as AssignmentRecord[],
    backInScope: [] as AssignmentRecord[],
  };
  const take = (d: SubjectDecision) => {
    switch (d.kind) {
      case 'nothing':
        return;
      case 'missing':
        return grants.offer(d.subject);
      case 'skipped':
        return plan.skipped.push({ subject: d.subject, code: d.code, reason: d.reason });
      case 'retryLater':
        return plan.retryLater.push({ subject: d.subject, retryAt: d.retryAt, code: d.code });
      case 'backInScope':
        return plan.backInScope.push(d.holder);
      case 'revoke':
      case 'inGrace':
        if (d.leftScope) plan.leftScope.push(d.leftScope);
        return plan[d.kind].push({ subject: d.subject, graceEndsAt: d.graceEndsAt });
    }
  };
  for (const [k, subject] of wanted) take(classifySubject(deployment, subject, held.get(k), now));
  for (const [k, holder] of held)
    if (!wanted.has(k)) take(classifySubject(deployment, undefined, holder, now));
  plan.skipped.sort((a, b) => stableOrder(a.subject, b.subject));
  const { grant, shortage } = grants.result();
  return { grant, shortage, ...plan, inScope: wanted.size };
}
