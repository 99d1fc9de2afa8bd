/**
 * Scope reconciliation (SPEC §5.7): each deployment with `autoAssign` or `autoRevoke` compares who
 * should hold its asset with who does.
 * 1. The plan (domain/deployment.ts): grants in a stable order as far as licences last, the rest is
 *    the shortage; holders the deployment granted that left the scope are revoked once the grace
 *    period has passed (the time they left is recorded when first seen).
 * 2. Grants and revocations go through the same pipeline as manual ones (`requestLicenses`, source
 *    `deployment`): reservations, the queues, the workers.
 * 3. A shortage e-mails the account's contact once, until it is resolved.
 * 4. Nothing to change writes nothing: every write above happens only for a change.
 */
import type { Account } from '../../domain/account.ts';
import { freeLicenses } from '../../domain/asset.ts';
import { next } from '../../domain/assignment-state.ts';
import {
  type Deployment,
  planReconciliation,
  type ReconciliationPlan,
  subjectsInScope,
} from '../../domain/deployment.ts';
import type { Device } from '../../domain/device.ts';
import { DomainError } from '../../domain/errors.ts';
import { escapeHtml } from '../../domain/html.ts';
import type { Actor } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type LicenseDeps, requestLicenses } from '../licenses/request-licenses.ts';
import type { Debouncer } from '../ports/debouncer.ts';
import type { DeploymentRepository } from '../ports/deployment-repository.ts';
import type { Mailer } from '../ports/mailer.ts';

export interface ReconcileDeps extends LicenseDeps {
  readonly deployments: DeploymentRepository;
  readonly mailer: Mailer;
  /** Holds the per-organisation lease: one reconciliation of an organisation at a time. */
  readonly debouncer: Debouncer;
}

/** A run of an organisation holds this lease; it lapses after this long if its worker dies. */
const RUN_LEASE_SECONDS = 200;
const runLease = (orgId: string) => `reconcile-run:${orgId}`;

export interface ReconcileResult {
  readonly deployments: number;
  readonly granted: number;
  readonly revoked: number;
  readonly shortage: number;
  readonly jobIds: string[];
}

const EMPTY: ReconcileResult = { deployments: 0, granted: 0, revoked: 0, shortage: 0, jobIds: [] };

export const add = (a: ReconcileResult, b: ReconcileResult): ReconcileResult => ({
  deployments: a.deployments + b.deployments,
  granted: a.granted + b.granted,
  revoked: a.revoked + b.revoked,
  shortage: a.shortage + b.shortage,
  jobIds: [...a.jobIds, ...b.jobIds],
});

/** The shortage alert to the account's contact (exported for the test that renders every e-mail). */
export function shortageEmail(account: Account, deployment: Deployment, assetName: string, count: number) {
  const licences = `licence${count === 1 ? '' : 's'}`;
  const plan = `GET /v1/accounts/${encodeURIComponent(account.id)}/assets/${encodeURIComponent(deployment.adamId)}/deployment/plan?pricingParam=${deployment.pricingParam}`;
  const lines = [
    `The deployment of "${assetName}" (${deployment.adamId}, ${deployment.pricingParam}) in "${account.name}" needs ${count} more ${licences} than are free.`,
    `The devices or users beyond the free licences will get one as soon as licences are bought or freed; the deployment's plan lists them (${plan}).`,
  ];
  return {
    to: account.email,
    subject: `[VPP Manager] ${account.name}: ${count} ${licences} short for ${assetName}`,
    text: `${lines.join('\n\n')}\n\n— VPP Manager`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}<p style="color:#666">— VPP Manager</p></body></html>`,
  };
}

/** The plan of one deployment, with the subjects it needs (read-only). */
export async function planFor(
  deps: ReconcileDeps,
  account: Account,
  deployment: Deployment,
  subjects: { devices: readonly Device[]; users: readonly VppUser[] },
): Promise<{ plan: ReconciliationPlan; free: number; assetName: string } | undefined> {
  const asset = await deps.assets.get(account.id, deployment.adamId, deployment.pricingParam);
  if (!asset) return undefined;
  const inScope = subjectsInScope(
    deployment,
    subjects.devices,
    subjects.users,
    account.assignableNetworks,
    asset.supportedPlatforms,
  );
  const holders = await deps.assignments.listByAsset(account.id, deployment.adamId, deployment.pricingParam);
  const free = freeLicenses(asset);
  return {
    plan: planReconciliation({ deployment, inScope, holders, freeLicenses: free, now: deps.clock.now() }),
    free,
    assetName: asset.name ?? asset.adamId,
  };
}

export async function reconcileDeployment(
  deps: ReconcileDeps,
  account: Account,
  deployment: Deployment,
  subjects: { devices: readonly Device[]; users: readonly VppUser[] },
  actor: Actor,
): Promise<ReconcileResult> {
  if (!deployment.autoAssign && !deployment.autoRevoke) return EMPTY;
  const planned = await planFor(deps, account, deployment, subjects);
  if (!planned) return EMPTY;
  const { plan, assetName } = planned;
  const now = deps.clock.now().toISOString();

  // Conditional: a holder revoked or settled meanwhile (a manual revocation, a worker) keeps its state.
  for (const h of plan.leftScope) {
    const moved = next(h, 'leave-scope', now, { outOfScopeSince: now });
    await deps.assignments.transition(moved.record, moved.from);
  }
  for (const h of plan.backInScope) {
    const moved = next(h, 'back-in-scope', now, { outOfScopeSince: undefined });
    await deps.assignments.transition(moved.record, moved.from);
  }

  const asset = await deps.assets.get(account.id, deployment.adamId, deployment.pricingParam);
  const jobIds: string[] = [];
  let granted = 0;
  let exhausted = 0;
  let revoked = 0;
  const run = async (kind: 'grant' | 'revoke', list: { type: 'device' | 'user'; id: string }[]) => {
    if (list.length === 0 || !asset) return;
    try {
      const { job, rejected } = await requestLicenses(deps, {
        kind,
        account,
        asset,
        serialNumbers: list.filter((s) => s.type === 'device').map((s) => s.id),
        userIds: list.filter((s) => s.type === 'user').map((s) => s.id),
        actor,
        source: 'deployment',
      });
      jobIds.push(job.id);
      if (kind === 'grant') granted += job.requested;
      else revoked += job.requested;
      exhausted += rejected.filter((r) => r.code === 'licenses.exhausted').length;
    } catch (error) {
      // Nothing could go (all taken meanwhile, or the account is blocked): the next run tries again.
      if (!(error instanceof DomainError)) throw error;
      const rejected = (error.details?.rejected ?? []) as { code: string }[];
      exhausted += rejected.filter((r) => r.code === 'licenses.exhausted').length;
    }
  };
  await run('grant', plan.grant);
  await run(
    'revoke',
    plan.revoke.map((r) => r.subject),
  );

  // Licences that ran out while granting may have gone to a reconciliation running at the same time:
  // then the holders have changed, and only a fresh plan says what is really short.
  const shortage =
    exhausted === 0
      ? plan.shortage.length
      : ((await planFor(deps, account, deployment, subjects))?.plan.shortage.length ?? 0);
  const trail = auditTrail(deps, account.orgId, actor);
  // Claimed before the e-mail: two reconciliations at once still alert once.
  if (
    shortage > 0 &&
    !deployment.shortage &&
    (await deps.deployments.setShortage(deployment, { count: shortage, alertedAt: now }))
  ) {
    await deps.mailer.send(shortageEmail(account, deployment, assetName, shortage));
    await trail.asset(account.id, deployment.adamId, 'deployment.shortage', 'failed', {
      pricingParam: deployment.pricingParam,
      shortage,
    });
  } else if (shortage === 0 && deployment.shortage) {
    await deps.deployments.setShortage(deployment, undefined);
  }
  if (granted + revoked > 0 || plan.leftScope.length > 0) {
    await trail.asset(account.id, deployment.adamId, 'deployment.reconciled', 'succeeded', {
      pricingParam: deployment.pricingParam,
      granted,
      revoked,
      leftScope: plan.leftScope.length,
      shortage,
      jobIds,
    });
  }
  return { deployments: 1, granted, revoked, shortage, jobIds };
}

/**
 * Every deployment of an organisation (or of all): one read of devices per organisation, of users per
 * account. An organisation is reconciled by one run at a time (a run that reads while another is
 * granting sees licences reserved but not yet held, and reports a shortage that is not there): an
 * organisation another run holds is skipped and listed in `busy`, for the caller to run again later.
 */
export async function reconcileAll(
  deps: ReconcileDeps,
  actor: Actor,
  filter: { orgId?: string; accountId?: string; adamId?: string; pricingParam?: string } = {},
): Promise<ReconcileResult & { busy: string[] }> {
  const deployments = (await deps.deployments.list(filter.orgId)).filter(
    (d) =>
      (!filter.accountId || d.accountId === filter.accountId) &&
      (!filter.adamId || d.adamId === filter.adamId) &&
      (!filter.pricingParam || d.pricingParam === filter.pricingParam) &&
      (d.autoAssign || d.autoRevoke),
  );
  const byOrg = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const ofOrg = byOrg.get(d.orgId);
    if (ofOrg) ofOrg.push(d);
    else byOrg.set(d.orgId, [d]);
  }
  let result = EMPTY;
  const busy: string[] = [];
  for (const [orgId, ofOrg] of byOrg) {
    if (!(await deps.debouncer.take(runLease(orgId), RUN_LEASE_SECONDS))) {
      busy.push(orgId);
      continue;
    }
    try {
      let devices: Device[] | undefined;
      const usersByAccount = new Map<string, VppUser[]>();
      for (const deployment of ofOrg) {
        const account = await deps.accounts.get(deployment.accountId);
        if (!account || !['active', 'expiring'].includes(account.status)) continue;
        devices ??= await deps.devices.listByOrg(orgId);
        let users: VppUser[] = [];
        if (deployment.method === 'user') {
          users = usersByAccount.get(account.id) ?? (await deps.users.listByAccount(account.id));
          usersByAccount.set(account.id, users);
        }
        result = add(result, await reconcileDeployment(deps, account, deployment, { devices, users }, actor));
      }
    } finally {
      await deps.debouncer.release(runLease(orgId));
    }
  }
  return { ...result, busy };
}
