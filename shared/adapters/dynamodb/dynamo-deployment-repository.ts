/**
 * `DeploymentRepository` on the assets table, beside the asset: `ACCOUNT#<id>`/`DEPLOYMENT#<adamId>#<pp>`;
 * gsi1 (`DEPLOYMENTS`, `<org>#<account>#<adamId>#<pp>`) lists them for the reconciler.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeploymentRepository } from '../../application/ports/deployment-repository.ts';
import { type Deployment, DeploymentSchema } from '../../domain/deployment.ts';
import { queryAll } from './batch.ts';

const key = (accountId: string, adamId: string, pp: string) => ({
  pk: `ACCOUNT#${accountId}`,
  sk: `DEPLOYMENT#${adamId}#${pp}`,
});

export class DynamoDeploymentRepository implements DeploymentRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async get(accountId: string, adamId: string, pricingParam: string): Promise<Deployment | undefined> {
    const answer = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: key(accountId, adamId, pricingParam),
        ConsistentRead: true,
      }),
    );
    return answer.Item ? DeploymentSchema.parse(answer.Item) : undefined;
  }

  async put(d: Deployment): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...key(d.accountId, d.adamId, d.pricingParam),
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
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key(d.accountId, d.adamId, d.pricingParam),
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
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async remove(accountId: string, adamId: string, pricingParam: string): Promise<void> {
    await this.#db.send(
      new DeleteCommand({ TableName: this.#table, Key: key(accountId, adamId, pricingParam) }),
    );
  }

  async list(orgId?: string): Promise<Deployment[]> {
    const items = await queryAll(this.#db, {
      TableName: this.#table,
      IndexName: 'gsi1',
      KeyConditionExpression: orgId ? 'gsi1pk = :pk AND begins_with(gsi1sk, :org)' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DEPLOYMENTS', ...(orgId ? { ':org': `${orgId}#` } : {}) },
    });
    return items.map((item) => DeploymentSchema.parse(item));
  }
}
