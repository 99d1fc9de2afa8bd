/** The device inventory. */
import { getDevice, listDevices, putDevices, removeDevice } from '../../shared/api/devices.ts';
import * as devices from '../../shared/application/devices/manage-devices.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(putDevices, async ({ deps, principal, body }) => ({
    body: await devices.putDevices(deps, principal, body),
  })),
  bind(listDevices, async ({ deps, principal, query }) => ({
    body: await devices.listDevices(deps, principal, query),
  })),
  bind(getDevice, async ({ deps, principal, params }) => ({
    body: await devices.getDevice(deps, principal, params.serialNumber),
  })),
  bind(removeDevice, async ({ deps, principal, params }) => ({
    status: 202,
    body: await devices.removeDevice(deps, principal, params.serialNumber),
  })),
);
