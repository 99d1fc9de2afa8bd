/** A device of the inventory as answers show it: the organisation is the caller's own. */
import type { Device } from '../../domain/device.ts';

export type DeviceView = Omit<Device, 'orgId'>;

export function toDeviceView(d: Device): DeviceView {
  const { orgId: _org, ...view } = d;
  return view;
}
