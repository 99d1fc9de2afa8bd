/** `DeviceRepository` on the core table: `ORG#<org>#DEVICES`/`<serial>`, one partition per organisation. */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { DevicePage, DeviceRepository } from '../../application/ports/device-repository.ts';
import { type Device, DeviceSchema } from '../../domain/device.ts';
import { batchGet, batchWrite, queryAll } from './batch.ts';
import { queryPage } from './cursor.ts';
import { devicesPartition, keys } from './keys.ts';
import { DynamoTable } from './table.ts';

export class DynamoDeviceRepository extends DynamoTable implements DeviceRepository {
  async putMany(devices: readonly Device[]): Promise<void> {
    await batchWrite(
      this.db,
      this.table,
      devices.map((d) => ({
        PutRequest: { Item: { ...keys.device(d.orgId, d.serialNumber), ...DeviceSchema.parse(d) } },
      })),
    );
  }

  async get(orgId: string, serialNumber: string): Promise<Device | undefined> {
    return this.getItem(keys.device(orgId, serialNumber), DeviceSchema);
  }

  async getMany(orgId: string, serialNumbers: readonly string[]): Promise<Device[]> {
    const items = await batchGet(
      this.db,
      this.table,
      [...new Set(serialNumbers)].map((s) => keys.device(orgId, s)),
    );
    return items.map((item) => DeviceSchema.parse(item));
  }

  async listByOrg(orgId: string): Promise<Device[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': devicesPartition(orgId) },
    });
    return items.map((item) => DeviceSchema.parse(item));
  }

  async pageByOrg(
    orgId: string,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<DevicePage> {
    const page = await queryPage(this.db, this.table, { pk: devicesPartition(orgId) }, options);
    return { items: page.items.map((item) => DeviceSchema.parse(item)), cursor: page.cursor };
  }

  async remove(orgId: string, serialNumber: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.device(orgId, serialNumber) }));
  }
}
