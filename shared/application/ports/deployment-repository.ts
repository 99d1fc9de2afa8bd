/** The deployments of each asset (at most one per asset). */
import type { Deployment } from '../../domain/deployment.ts';

export interface DeploymentRepository {
  get(accountId: string, adamId: string, pricingParam: string): Promise<Deployment | undefined>;
  put(deployment: Deployment): Promise<void>;
  remove(accountId: string, adamId: string, pricingParam: string): Promise<void>;
  /**
   * Records a shortage as alerted (only if none is recorded: true means this caller alerts), or clears
   * it (`undefined`). Conditional, so two reconciliations never send the same alert twice.
   */
  setShortage(
    deployment: Deployment,
    shortage: { count: number; alertedAt: string } | undefined,
  ): Promise<boolean>;
  /** Every deployment of an organisation (or of all, for the hourly reconciliation). */
  list(orgId?: string): Promise<Deployment[]>;
}
