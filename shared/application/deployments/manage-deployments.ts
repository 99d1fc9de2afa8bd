/**
 * Deployments through the API (SPEC §4): put and remove (admins of the account), the plan (a dry run,
 * for anyone who may read the account), and reconcile now (a job). Changes to the inventory or users
 * ask for a debounced reconciliation of the organisation (`scheduleReconciliation`); a put deployment
 * for a debounced reconciliation of that deployment, as a job the answer names (`reconcileJob`).
 */
import type { Account } from '../../domain/account.ts';
import { type AssetRecord, licensesArrived, type PricingParam } from '../../domain/asset.ts';
import type { Deployment } from '../../domain/deployment.ts';
import { NotFoundError, RuleViolationError } from '../../domain/errors.ts';
import type { Job } from '../../domain/job.ts';
import { type Actor, actorOf, type Principal } from '../../domain/principal.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { resolveAsset } from '../assets/read-assets.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type StartedJob, toJobView, toStartedJob } from '../jobs/job-view.ts';
import { createJob, newJob } from '../jobs/new-job.ts';
import type { Debouncer } from '../ports/debouncer.ts';
import type { DeploymentRepository } from '../ports/deployment-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import { type DeploymentPlanView, type PutDeploymentView, toDeploymentView } from './deployment-view.ts';
import { planFor, type ReconcileDeps } from './reconcile.ts';

export interface DeploymentDeps extends ReconcileDeps {
  readonly debouncer: Debouncer;
  readonly settings: ServiceSettings;
}

export interface ReconcileTrigger {
  readonly debouncer: Debouncer;
  readonly queue: MessageQueue;
  readonly settings: ServiceSettings;
}

/** Asks for a reconciliation of the organisation a little later; changes in the meantime join it. */
export async function scheduleReconciliation(deps: ReconcileTrigger, orgId: string): Promise<void> {
  const key = `reconcile:${orgId}`;
  if (!(await deps.debouncer.take(key, deps.settings.reconcileDebounceSeconds))) return;
  await deps.queue.send(
    'jobs',
    { type: 'reconcile', orgId, debounceKey: key },
    { delaySeconds: deps.settings.reconcileDebounceSeconds },
  );
}

/**
 * Licences Apple now has (bought, or given back elsewhere) reach who is waiting for them: when an
 * asset's re-read or a sync shows more available and a deployment of that asset assigns by itself,
 * a reconciliation is asked for (debounced as any other change), without waiting for the hourly run.
 */
export async function reconcileWhenLicensesArrive(
  deps: ReconcileTrigger & { readonly deployments: DeploymentRepository },
  account: Account,
  changes: readonly { readonly before: AssetRecord | undefined; readonly after: AssetRecord | undefined }[],
): Promise<boolean> {
  for (const { before, after } of changes) {
    if (!after || !licensesArrived(before, after)) continue;
    const deployment = await deps.deployments.get(account.id, after.adamId, after.pricingParam);
    if (deployment?.autoAssign) {
      await scheduleReconciliation(deps, account.orgId);
      return true;
    }
  }
  return false;
}

/**
 * Asks for a reconciliation of one deployment a little later, as a job (its `debouncedUntil` the time
 * it runs); changes of that deployment in the meantime join it. Undefined when one is already waiting.
 */
async function scheduleDeploymentReconcile(
  deps: DeploymentDeps,
  deployment: Deployment,
  actor: Actor,
): Promise<Job | undefined> {
  const { orgId, accountId, adamId, pricingParam } = deployment;
  const key = `reconcile:${orgId}:${accountId}:${adamId}:${pricingParam}`;
  const delaySeconds = deps.settings.reconcileDebounceSeconds;
  if (!(await deps.debouncer.take(key, delaySeconds))) return undefined;
  const now = deps.clock.now();
  const job = newJob({
    id: deps.ids.newId(),
    orgId,
    accountId,
    type: 'reconciliation',
    requested: 1,
    actor,
    now: now.toISOString(),
    debouncedUntil: new Date(now.getTime() + delaySeconds * 1000).toISOString(),
  });
  await deps.jobs.create(job);
  await deps.queue.send(
    'jobs',
    { type: 'reconcile', orgId, jobId: job.id, accountId, adamId, pricingParam, debounceKey: key },
    { delaySeconds },
  );
  return job;
}

/** How an asset is to reach its scope (the deployment as an admin writes it). */
export type DeploymentInput = Pick<
  Deployment,
  'method' | 'scope' | 'autoAssign' | 'autoRevoke' | 'revokeGraceHours'
>;

type DeploymentRequest = {
  accountId: string;
  adamId: string;
  pricingParam?: PricingParam | undefined;
} & DeploymentInput;

/**
 * The deployment an admin's input makes of an asset, checked against the asset's rules (device
 * assignment, revocability) but not saved: what a put saves and what a plan preview plans.
 */
async function draftDeployment(
  deps: DeploymentDeps,
  principal: Principal,
  input: DeploymentRequest,
  access: 'read' | 'manage',
): Promise<{ account: Account; deployment: Deployment; existing: Deployment | undefined }> {
  const account = await loadAccountFor(deps, principal, input.accountId, access);
  const asset = await resolveAsset(deps, account.id, input.adamId, input.pricingParam);
  if (input.method === 'device' && !asset.deviceAssignable) {
    throw new RuleViolationError(
      'deployment.not_device_assignable',
      'This asset cannot be assigned to devices: deploy it to users.',
    );
  }
  if (input.autoRevoke && !asset.revocable) {
    throw new RuleViolationError(
      'asset.irrevocable',
      'This asset cannot be taken back, so autoRevoke cannot be on.',
    );
  }
  const now = deps.clock.now().toISOString();
  const existing = await deps.deployments.get(account.id, asset.adamId, asset.pricingParam);
  const deployment: Deployment = {
    orgId: account.orgId,
    accountId: account.id,
    adamId: asset.adamId,
    pricingParam: asset.pricingParam,
    method: input.method,
    scope: { networks: [...new Set(input.scope.networks)], tags: [...new Set(input.scope.tags)] },
    autoAssign: input.autoAssign,
    autoRevoke: input.autoRevoke,
    revokeGraceHours: input.revokeGraceHours,
    ...(existing?.shortage ? { shortage: existing.shortage } : {}),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    updatedBy: principal.email,
  };
  return { account, deployment, existing };
}

export async function putDeployment(
  deps: DeploymentDeps,
  principal: Principal,
  input: DeploymentRequest,
): Promise<PutDeploymentView> {
  const { account, deployment, existing } = await draftDeployment(deps, principal, input, 'manage');
  await deps.deployments.put(deployment);
  const action = existing ? 'deployment.updated' : 'deployment.created';
  const trail = auditTrail(deps, account.orgId, actorOf(principal));
  await trail.asset(account.id, deployment.adamId, action, 'succeeded', {
    pricingParam: deployment.pricingParam,
    method: input.method,
    scope: deployment.scope,
    autoAssign: input.autoAssign,
    autoRevoke: input.autoRevoke,
    revokeGraceHours: input.revokeGraceHours,
  });
  const job = await scheduleDeploymentReconcile(deps, deployment, actorOf(principal));
  return { ...toDeploymentView(deployment), ...(job ? { reconcileJob: toJobView(job) } : {}) };
}

export async function removeDeployment(
  deps: DeploymentDeps,
  principal: Principal,
  accountId: string,
  adamId: string,
  pricingParam?: PricingParam,
) {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const asset = await resolveAsset(deps, account.id, adamId, pricingParam);
  const existing = await deps.deployments.get(account.id, asset.adamId, asset.pricingParam);
  if (!existing) throw new NotFoundError('Deployment');
  await deps.deployments.remove(account.id, asset.adamId, asset.pricingParam);
  const trail = auditTrail(deps, account.orgId, actorOf(principal));
  await trail.asset(account.id, asset.adamId, 'deployment.removed', 'succeeded', {
    pricingParam: asset.pricingParam,
    holdersKeepTheirLicences: true,
  });
  return { removed: true as const };
}

const label = (s: { type: string; id: string }) => `${s.type}:${s.id}`;

export async function getPlan(
  deps: DeploymentDeps,
  principal: Principal,
  accountId: string,
  adamId: string,
  pricingParam?: PricingParam,
): Promise<DeploymentPlanView> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  const asset = await resolveAsset(deps, account.id, adamId, pricingParam);
  const deployment = await deps.deployments.get(account.id, asset.adamId, asset.pricingParam);
  if (!deployment) throw new NotFoundError('Deployment');
  return planView(deps, account, deployment);
}

/**
 * The plan of a deployment as the input would make it, before it is saved (nothing is written): who
 * would get the asset, who would lose it and when, the shortage. Anyone who may read the account.
 */
export async function previewPlan(
  deps: DeploymentDeps,
  principal: Principal,
  input: DeploymentRequest,
): Promise<DeploymentPlanView> {
  const { account, deployment } = await draftDeployment(deps, principal, input, 'read');
  return planView(deps, account, deployment);
}

async function planView(
  deps: DeploymentDeps,
  account: Account,
  deployment: Deployment,
): Promise<DeploymentPlanView> {
  const devices = await deps.devices.listByOrg(account.orgId);
  const users = deployment.method === 'user' ? await deps.users.listByAccount(account.id) : [];
  const planned = await planFor(deps, account, deployment, { devices, users });
  if (!planned) throw new NotFoundError('Asset');
  const { plan, free } = planned;
  return {
    deployment: toDeploymentView(deployment),
    inScope: plan.inScope,
    freeLicenses: Number.isFinite(free) ? free : null,
    grant: plan.grant.map(label),
    revoke: plan.revoke.map((r) => ({ subject: label(r.subject), graceEndsAt: r.graceEndsAt })),
    inGrace: plan.inGrace.map((r) => ({ subject: label(r.subject), graceEndsAt: r.graceEndsAt })),
    retryLater: plan.retryLater.map((r) => ({ subject: label(r.subject), retryAt: r.retryAt, code: r.code })),
    skipped: plan.skipped.map((r) => ({ subject: label(r.subject), code: r.code, reason: r.reason })),
    shortage: { count: plan.shortage.length, subjects: plan.shortage.slice(0, 1000).map(label) },
  };
}

export async function requestReconcile(
  deps: DeploymentDeps,
  principal: Principal,
  accountId: string,
  adamId: string,
  pricingParam?: PricingParam,
): Promise<StartedJob> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const asset = await resolveAsset(deps, account.id, adamId, pricingParam);
  if (!(await deps.deployments.get(account.id, asset.adamId, asset.pricingParam)))
    throw new NotFoundError('Deployment');
  const job = await createJob(deps, {
    orgId: account.orgId,
    accountId: account.id,
    type: 'reconciliation',
    requested: 1,
    actor: actorOf(principal),
  });
  await deps.queue.send('jobs', {
    type: 'reconcile',
    orgId: account.orgId,
    jobId: job.id,
    accountId: account.id,
    adamId: asset.adamId,
    pricingParam: asset.pricingParam,
  });
  return toStartedJob(job);
}
