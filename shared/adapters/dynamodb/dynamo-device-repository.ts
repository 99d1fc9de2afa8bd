/** `DeviceRepository` on the core table: `ORG#<org>#DEVICES`/`<serial>`, one partition per organisation. */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DeviceRepository } from '../../application/ports/device-repository.ts';
import { type Device, DeviceSchema } from '../../domain/device.ts';
import { batchGet, batchWrite, queryAll } from './batch.ts';

const key = (orgId: string, serial: string) => ({ pk: `ORG#${orgId}#DEVICES`, sk: serial });

export class DynamoDeviceRepository implements DeviceRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async putMany(devices: readonly Device[]): Promise<void> {
    await batchWrite(
      this.#db,
      this.#table,
      devices.map((d) => ({
        PutRequest: { Item: { ...key(d.orgId, d.serialNumber), ...DeviceSchema.parse(d) } },
      })),
    );
  }

  async get(orgId: string, serialNumber: string): Promise<Device | undefined> {
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key(orgId, serialNumber), ConsistentRead: true }),
    );
    return answer.Item ? DeviceSchema.parse(answer.Item) : undefined;
  }

  async getMany(orgId: string, serialNumbers: readonly string[]): Promise<Device[]> {
    const items = await batchGet(
      this.#db,
      this.#table,
      [...new Set(serialNumbers)].map((s) => key(orgId, s)),
    );
    return items.map((item) => DeviceSchema.parse(item));
  }

  async listByOrg(orgId: string): Promise<Device[]> {
    const items = await queryAll(this.#db, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ORG#${orgId}#DEVICES` },
    });
    return items.map((item) => DeviceSchema.parse(item));
  }

  async remove(orgId: string, serialNumber: string): Promise<void> {
    await this.#db.send(new DeleteCommand({ TableName: this.#table, Key: key(orgId, serialNumber) }));
  }
}
