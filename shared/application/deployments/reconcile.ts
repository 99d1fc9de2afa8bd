/**
 * Scope reconciliation (SPEC §5.7): each deployment with `autoAssign` or `autoRevoke` compares who
 * should hold its asset with who does.
 * 1. The plan (domain/deployment.ts): grants in a stable order as far as licences last, the rest is
 *    the shortage; holders the deployment granted that left the scope are revoked once the grace
 *    period has passed (the time they left is recorded when first seen). It is made page by page,
 *    holding only the changes (plan-in-pages.ts); `planFor` makes it in memory, every subject
 *    listed, for the plan view and the licence report.
 * 2. Grants and revocations go through the same pipeline as manual ones (`requestLicenses`, source
 *    `deployment`), `SUBJECTS_PER_REQUEST` subjects a request: reservations, the queues, the workers.
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
import { QueuedSubjects } from '../licenses/queued-subjects.ts';
import { type LicenseDeps, requestLicenses } from '../licenses/request-licenses.ts';
import type { Debouncer } from '../ports/debouncer.ts';
import type { DeploymentRepository } from '../ports/deployment-repository.ts';
import type { Mailer } from '../ports/mailer.ts';
import { type PlannedChanges, type PlanTarget, planChanges } from './plan-in-pages.ts';

export interface ReconcileDeps extends LicenseDeps {
  readonly deployments: DeploymentRepository;
  readonly mailer: Mailer;
  /** Holds the per-organisation lease: one reconciliation of an organisation at a time. */
  readonly debouncer: Debouncer;
}

/**
 * A run of an organisation holds this lease; it lapses after this long if its worker dies. Longer
 * than any function that reconciles may run (the jobs worker: 750 s), so a live run of the largest
 * organisation never loses it to a second one.
 */
export const RUN_LEASE_SECONDS = 780;
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

/** The plan of one deployment in memory, every subject listed, with the subjects it needs (read-only). */
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
  const [records, queued] = await Promise.all([
    deps.assignments.listByAsset(account.id, deployment.adamId, deployment.pricingParam),
    QueuedSubjects.of(deps.jobs, account.id, deployment),
  ]);
  const holders = queued.holders(records);
  const free = freeLicenses(asset);
  return {
    plan: planReconciliation({ deployment, inScope, holders, freeLicenses: free, now: deps.clock.now() }),
    free,
    assetName: asset.name ?? asset.adamId,
  };
}

/** Subjects per licence request of a reconciliation: a large change goes as several jobs. */
export const SUBJECTS_PER_REQUEST = 10_000;

/** Applies one deployment's changes (planned by `planChanges`). */
export async function reconcileDeployment(
  deps: ReconcileDeps,
  planned: PlannedChanges,
  actor: Actor,
): Promise<ReconcileResult> {
  const { account, deployment, changes } = planned;
  const assetName = planned.asset.name ?? planned.asset.adamId;
  const now = deps.clock.now().toISOString();

  // Conditional: a holder revoked or settled meanwhile (a manual revocation, a worker) keeps its state.
  for (const h of changes.leftScope) {
    const moved = next(h, 'leave-scope', now, { outOfScopeSince: now });
    await deps.assignments.transition(moved.record, moved.from);
  }
  for (const h of changes.backInScope) {
    const moved = next(h, 'back-in-scope', now, { outOfScopeSince: undefined });
    await deps.assignments.transition(moved.record, moved.from);
  }

  const asset = await deps.assets.get(account.id, deployment.adamId, deployment.pricingParam);
  const jobIds: string[] = [];
  let granted = 0;
  let exhausted = 0;
  let revoked = 0;
  const run = async (kind: 'grant' | 'revoke', list: readonly { type: 'device' | 'user'; id: string }[]) => {
    if (!asset) return;
    for (let at = 0; at < list.length; at += SUBJECTS_PER_REQUEST) {
      const chunk = list.slice(at, at + SUBJECTS_PER_REQUEST);
      try {
        const { job, rejected } = await requestLicenses(deps, {
          kind,
          account,
          asset,
          serialNumbers: chunk.filter((s) => s.type === 'device').map((s) => s.id),
          userIds: chunk.filter((s) => s.type === 'user').map((s) => s.id),
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
    }
  };
  await run('grant', changes.grant);
  await run(
    'revoke',
    changes.revoke.map((r) => r.subject),
  );

  // Licences that ran out while granting may have gone to a reconciliation running at the same time:
  // then the holders have changed, and only a fresh plan says what is really short.
  const shortage =
    exhausted === 0
      ? changes.shortage
      : ((await planChanges(deps, account.orgId, [{ account, deployment }]))[0]?.changes.shortage ?? 0);
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
  if (granted + revoked > 0 || changes.leftScope.length > 0) {
    await trail.asset(account.id, deployment.adamId, 'deployment.reconciled', 'succeeded', {
      pricingParam: deployment.pricingParam,
      granted,
      revoked,
      leftScope: changes.leftScope.length,
      shortage,
      jobIds,
    });
  }
  return { deployments: 1, granted, revoked, shortage, jobIds };
}

/**
 * Every deployment of an organisation (or of all): planned in one walk of its devices, page by page
 * (plan-in-pages.ts), then each deployment's changes applied. An organisation is reconciled by one run at a time (a run that reads while another is
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
      const accounts = new Map<string, Account | undefined>();
      const targets: PlanTarget[] = [];
      for (const deployment of ofOrg) {
        const account = accounts.has(deployment.accountId)
          ? accounts.get(deployment.accountId)
          : await deps.accounts.get(deployment.accountId);
        accounts.set(deployment.accountId, account);
        if (!account || !['active', 'expiring'].includes(account.status)) continue;
        targets.push({ account, deployment });
      }
      for (const planned of await planChanges(deps, orgId, targets))
        if (planned) result = add(result, await reconcileDeployment(deps, planned, actor));
    } finally {
      await deps.debouncer.release(runLease(orgId));
    }
  }
  return { ...result, busy };
}
