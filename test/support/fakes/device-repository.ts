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
    // Keys sorted, and only the page copied: a reconciliation reads every page in tests.
    const rest = [...this.#devices.entries()]
      .filter(([k]) => k.startsWith(`${orgId}|`) && (after === undefined || k > after))
      .sort(byKey(([k]) => k));
    const page = rest.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(([, d]) => copy(d)),
      cursor: rest.length > options.limit && last ? Buffer.from(last[0]).toString('base64url') : undefined,
    };
  }

  async remove(orgId: string, serialNumber: string): Promise<void> {
    this.#devices.delete(keyOf(orgId, serialNumber));
  }
}
