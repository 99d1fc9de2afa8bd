/**
 * `DeploymentRepository` on the assets table, beside the asset: `ACCOUNT#<id>`/`DEPLOYMENT#<adamId>#<pp>`;
 * gsi1 (`DEPLOYMENTS`, `<org>#<account>#<adamId>#<pp>`) lists them for the reconciler.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeploymentRepository } from '../../application/ports/deployment-repository.ts';
import { type Deployment, DeploymentSchema } from '../../domain/deployment.ts';
import { queryAll } from './batch.ts';
import { isConditionFailed } from './errors.ts';
import { keys } from './keys.ts';
import { DynamoTable } from './table.ts';

export class DynamoDeploymentRepository extends DynamoTable implements DeploymentRepository {
  async get(accountId: string, adamId: string, pricingParam: string): Promise<Deployment | undefined> {
    return this.getItem(keys.deployment(accountId, adamId, pricingParam), DeploymentSchema);
  }

  async put(d: Deployment): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.deployment(d.accountId, d.adamId, d.pricingParam),
          ...DeploymentSchema.parse(d),
          gsi1pk: 'DEPLOYMENTS',
          gsi1sk: `${d.orgId}#${d.accountId}#${d.adamId}#${d.pricingParam}`,
        },
      }),
    );
  }

  async setShortage(
    d: Deployment,
    shortage: { count: number; alertedAt: string } | undefined,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.deployment(d.accountId, d.adamId, d.pricingParam),
          ...(shortage
            ? {
                UpdateExpression: 'SET shortage = :s',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(shortage)',
                ExpressionAttributeValues: { ':s': shortage },
              }
            : { UpdateExpression: 'REMOVE shortage', ConditionExpression: 'attribute_exists(shortage)' }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async remove(accountId: string, adamId: string, pricingParam: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: keys.deployment(accountId, adamId, pricingParam) }),
    );
  }

  async list(orgId?: string): Promise<Deployment[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: orgId ? 'gsi1pk = :pk AND begins_with(gsi1sk, :org)' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DEPLOYMENTS', ...(orgId ? { ':org': `${orgId}#` } : {}) },
    });
    return items.map((item) => DeploymentSchema.parse(item));
  }
}
