/** The device inventory in a Map, one partition per organisation. */
import type { DeviceRepository } from '../../../shared/application/ports/device-repository.ts';
import { type Device, DeviceSchema } from '../../../shared/domain/device.ts';
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

  async remove(orgId: string, serialNumber: string): Promise<void> {
    this.#devices.delete(keyOf(orgId, serialNumber));
  }
}
