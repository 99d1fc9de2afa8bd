/** A deployment, and the plan of its reconciliation, as answers show them. */
import type { Deployment } from '../../domain/deployment.ts';
import type { JobView } from '../jobs/job-view.ts';

export type DeploymentView = Omit<Deployment, 'orgId' | 'accountId'>;

/** What a put answers: the deployment, and the reconciliation job it queued (none when one was already waiting). */
export type PutDeploymentView = DeploymentView & { reconcileJob?: JobView };

export function toDeploymentView(d: Deployment): DeploymentView {
  const { orgId: _o, accountId: _a, ...view } = d;
  return view;
}

/** A dry run of the reconciliation; subjects are `device:<serial>` or `user:<id>`. */
export interface DeploymentPlanView {
  deployment: DeploymentView;
  inScope: number;
  /** null: unlimited. */
  freeLicenses: number | null;
  /** Would be granted now, in the stable order (oldest in the inventory first). */
  grant: string[];
  revoke: { subject: string; graceEndsAt: string }[];
  inGrace: { subject: string; graceEndsAt: string }[];
  /** In scope, refused by Apple for a reason a retry will not fix at once. */
  retryLater: { subject: string; retryAt: string; code: string }[];
  /** In scope, but the asset cannot go to it (`device.platform_unsupported`): never granted. */
  skipped: { subject: string; code: string; reason: string }[];
  shortage: { count: number; subjects: string[] };
}
