/** A device of the inventory as answers show it: the organisation is the caller's own. */
import type { Device } from '../../domain/device.ts';
import type { AssetNaming, AssignmentView } from '../assets/asset-view.ts';

export type DeviceView = Omit<Device, 'orgId'>;

export function toDeviceView(d: Device): DeviceView {
  const { orgId: _org, ...view } = d;
  return view;
}

/** A licence the device holds, or is about to, in one account, with its asset's name and kind. */
export interface DeviceLicense extends AssignmentView, AssetNaming {
  accountId: string;
}

export interface DeviceDetail extends DeviceView {
  /** What the device holds, or is about to, in the accounts the caller may see. */
  licenses: DeviceLicense[];
}
