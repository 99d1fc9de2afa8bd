/** The organisation's device inventory. */
import type { Device } from '../../domain/device.ts';

export interface DeviceRepository {
  /** Creates or replaces devices (batched). */
  putMany(devices: readonly Device[]): Promise<void>;
  get(orgId: string, serialNumber: string): Promise<Device | undefined>;
  getMany(orgId: string, serialNumbers: readonly string[]): Promise<Device[]>;
  /** Every device of the organisation. */
  listByOrg(orgId: string): Promise<Device[]>;
  remove(orgId: string, serialNumber: string): Promise<void>;
}
