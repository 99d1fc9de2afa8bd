/** The device inventory in a Map, one partition per organisation. */
import type { DevicePage, DeviceRepository } from '../../../shared/application/ports/device-repository.ts';
import { type Device, DeviceSchema } from '../../../shared/domain/device.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { byKey, copy } from './conditions.ts';

const keyOf = (orgId: string, serial: string) => `${orgId}|${serial}`;

export class MemoryDeviceRepository implements DeviceRepository {
  readonly #devices = new Map<string, Device>();

  async putMany(devices: readonly Device[]): Promise<void> {
    for (const d of devices) this.#devices.set(keyOf(d.orgId, d.serialNumber), DeviceSchema.parse(copy(d)));
  }

  async get(orgId: string, serialNumber: string): Promise<Device | undefined> {
    const found = this.#devices.get(keyOf(orgId, serialNumber));
    return found ? copy(found) : undefined;
  }

  async getMany(orgId: string, serialNumbers: readonly string[]): Promise<Device[]> {
    return [...new Set(serialNumbers)].flatMap((s) => {
      const found = this.#devices.get(keyOf(orgId, s));
      return found ? [copy(found)] : [];
    });
  }

  async listByOrg(orgId: string): Promise<Device[]> {
    return [...this.#devices.values()]
      .filter((d) => d.orgId === orgId)
      .sort(byKey((d) => d.serialNumber))
      .map(copy);
  }

  async pageByOrg(
    orgId: string,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<DevicePage> {
    const after =
      options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString();
    if (after !== undefined && !after.startsWith(`${orgId}|`))
      throw new ValidationError(
        'cursor.invalid',
        'The cursor is not valid for this list: start again without it.',
      );
    const rest = (await this.listByOrg(orgId)).filter(
      (d) => after === undefined || keyOf(orgId, d.serialNumber) > after,
    );
    const items = rest.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items,
      cursor:
        rest.length > options.limit && last
          ? Buffer.from(keyOf(orgId, last.serialNumber)).toString('base64url')
          : undefined,
    };
  }

  async remove(orgId: string, serialNumber: string): Promise<void> {
    this.#devices.delete(keyOf(orgId, serialNumber));
  }
}
