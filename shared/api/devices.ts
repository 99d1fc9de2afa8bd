/** The organisation's device inventory (SPEC §4 devices). */
import * as z from 'zod';
import type { DeviceView } from '../application/devices/device-view.ts';
import type { DeviceInput, DevicesUpserted } from '../application/devices/manage-devices.ts';
import { DeviceSchema } from '../domain/device.ts';
import { JobViewSchema } from './jobs.ts';
import { defineRoute, PageQueryShape, pageOf, schemaOf } from './route.ts';

/** Devices per `PUT /v1/devices` call. */
export const MAX_DEVICES_PER_PUT = 1000;

const Serial = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'a serial number is letters, digits and dashes');

export const DeviceInputSchema = schemaOf<DeviceInput>()(
  z
    .object({
      serialNumber: Serial,
      networkId: z.string().trim().min(1).max(128),
      tags: z.array(z.string().trim().min(1).max(64)).max(50).default([]),
      platform: z.string().trim().min(1).max(32).optional(),
      ownerEmail: z
        .email()
        .max(254)
        .transform((e) => e.toLowerCase())
        .optional(),
    })
    .strict()
    .meta({ id: 'DeviceInput' }),
);

export const DeviceViewSchema = schemaOf<DeviceView>()(
  DeviceSchema.omit({ orgId: true }).meta({ id: 'Device' }),
);

const SerialParams = z.object({ serialNumber: Serial });

export const putDevices = defineRoute({
  id: 'putDevices',
  method: 'PUT',
  path: '/v1/devices',
  auth: 'jwt',
  summary: `Bulk upsert of the inventory: at most ${MAX_DEVICES_PER_PUT} devices per call (org-admin).`,
  tag: 'devices',
  body: z.array(DeviceInputSchema).min(1).max(MAX_DEVICES_PER_PUT),
  response: {
    status: 200,
    schema: schemaOf<DevicesUpserted>()(
      z.object({ created: z.number().int(), updated: z.number().int() }).meta({ id: 'DevicesUpserted' }),
    ),
  },
  errors: [403],
});

export const listDevices = defineRoute({
  id: 'listDevices',
  method: 'GET',
  path: '/v1/devices',
  auth: 'jwt',
  summary: 'The inventory; filters networkId and tag.',
  tag: 'devices',
  query: z.object({ ...PageQueryShape, networkId: z.string().optional(), tag: z.string().optional() }),
  response: { status: 200, schema: pageOf(DeviceViewSchema, 'DevicePage') },
});

export const getDevice = defineRoute({
  id: 'getDevice',
  method: 'GET',
  path: '/v1/devices/{serialNumber}',
  auth: 'jwt',
  summary: 'One device with the licences it holds in every account you may see.',
  tag: 'devices',
  params: SerialParams,
  response: {
    status: 200,
    schema: DeviceViewSchema.extend({ licenses: z.array(z.unknown()) }).meta({ id: 'DeviceDetail' }),
  },
  errors: [404],
});

export const removeDevice = defineRoute({
  id: 'removeDevice',
  method: 'DELETE',
  path: '/v1/devices/{serialNumber}',
  auth: 'jwt',
  summary:
    "Remove a device and reclaim its licences in every account (Apple's revoke); 202 with the job (org-admin).",
  tag: 'devices',
  params: SerialParams,
  response: { status: 202, schema: JobViewSchema },
  errors: [403, 404],
  startsJob: { access: { role: 'org-admin' } },
});

export const DEVICE_ROUTES = [putDevices, listDevices, getDevice, removeDevice];
