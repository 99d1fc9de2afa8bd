/** Deployments in a Map; the shortage is recorded only when none is, as the table's condition does. */
import type { DeploymentRepository } from '../../../shared/application/ports/deployment-repository.ts';
import { type Deployment, DeploymentSchema } from '../../../shared/domain/deployment.ts';
import { byKey, copy } from './conditions.ts';

const keyOf = (accountId: string, adamId: string, pricingParam: string) =>
  `${accountId}|${adamId}|${pricingParam}`;
const listKey = (d: Deployment) => `${d.orgId}#${d.accountId}#${d.adamId}#${d.pricingParam}`;

export class MemoryDeploymentRepository implements DeploymentRepository {
  readonly #deployments = new Map<string, Deployment>();

  async get(accountId: string, adamId: string, pricingParam: string): Promise<Deployment | undefined> {
    const found = this.#deployments.get(keyOf(accountId, adamId, pricingParam));
    return found ? copy(found) : undefined;
  }

  async put(deployment: Deployment): Promise<void> {
    const stored = DeploymentSchema.parse(copy(deployment));
    this.#deployments.set(keyOf(stored.accountId, stored.adamId, stored.pricingParam), stored);
  }

  async remove(accountId: string, adamId: string, pricingParam: string): Promise<void> {
    this.#deployments.delete(keyOf(accountId, adamId, pricingParam));
  }

  async setShortage(
    deployment: Deployment,
    shortage: { count: number; alertedAt: string } | undefined,
  ): Promise<boolean> {
    const stored = this.#deployments.get(
      keyOf(deployment.accountId, deployment.adamId, deployment.pricingParam),
    );
    if (shortage) {
      if (!stored || stored.shortage) return false;
      stored.shortage = copy(shortage);
      return true;
    }
    if (!stored?.shortage) return false;
    delete stored.shortage;
    return true;
  }

  async list(orgId?: string): Promise<Deployment[]> {
    return [...this.#deployments.values()]
      .filter((d) => orgId === undefined || listKey(d).startsWith(`${orgId}#`))
      .sort(byKey(listKey))
      .map(copy);
  }

  /** For the fake purger: every stored deployment of an account, by sort key. */
  keysOf(accountId: string): { sk: string; remove: () => void }[] {
    return [...this.#deployments.entries()]
      .filter(([, d]) => d.accountId === accountId)
      .map(([k, d]) => ({
        sk: `DEPLOYMENT#${d.adamId}#${d.pricingParam}`,
        remove: () => this.#deployments.delete(k),
      }));
  }
}
