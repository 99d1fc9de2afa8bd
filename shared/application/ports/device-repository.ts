/** The organisation's device inventory. */
import type { Device } from '../../domain/device.ts';

/** One page of an organisation's devices, by serial number; `cursor` (opaque) reads the next, none: the last. */
export interface DevicePage {
  readonly items: Device[];
  readonly cursor?: string | undefined;
}

export interface DeviceRepository {
  /** Creates or replaces devices (batched). */
  putMany(devices: readonly Device[]): Promise<void>;
  get(orgId: string, serialNumber: string): Promise<Device | undefined>;
  getMany(orgId: string, serialNumbers: readonly string[]): Promise<Device[]>;
  /** Every device of the organisation. */
  listByOrg(orgId: string): Promise<Device[]>;
  /**
   * An organisation's devices a page at a time (at most `limit`), by serial number, from `cursor`: a
   * walk that holds one page (the reconciliation). A cursor of another organisation is refused.
   */
  pageByOrg(orgId: string, options: { cursor?: string | undefined; limit: number }): Promise<DevicePage>;
  remove(orgId: string, serialNumber: string): Promise<void>;
}
