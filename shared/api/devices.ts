/** The organisation's device inventory (SPEC §4 devices). */
import * as z from 'zod';
import type { DeviceDetail, DeviceLicense, DeviceView } from '../application/devices/device-view.ts';
import type { DeviceInput, DevicesUpserted } from '../application/devices/manage-devices.ts';
import { DeviceSchema } from '../domain/device.ts';
import { AssetNamingShape, AssignmentViewSchema } from './assets.ts';
import { startsJob } from './jobs.ts';
import { jwtRoutes, PageQueryShape, pageOf, queryText, schemaOf } from './route.ts';

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

export const DeviceLicenseSchema = schemaOf<DeviceLicense>()(
  AssignmentViewSchema.extend({ accountId: z.string(), ...AssetNamingShape }).meta({ id: 'DeviceLicense' }),
);

export const DeviceDetailSchema = schemaOf<DeviceDetail>()(
  DeviceViewSchema.extend({
    licenses: z.array(DeviceLicenseSchema).meta({
      description: 'What the device holds, or is about to, in the accounts you may see.',
    }),
  }).meta({ id: 'DeviceDetail' }),
);

const SerialParams = z.object({ serialNumber: Serial });

const route = jwtRoutes('devices');

export const putDevices = route('putDevices', 'PUT /v1/devices', {
  summary: `Bulk upsert of the inventory: at most ${MAX_DEVICES_PER_PUT} devices per call (org-admin).`,
  body: z.array(DeviceInputSchema).min(1).max(MAX_DEVICES_PER_PUT),
  response: {
    status: 200,
    schema: schemaOf<DevicesUpserted>()(
      z.object({ created: z.number().int(), updated: z.number().int() }).meta({ id: 'DevicesUpserted' }),
    ),
  },
  errors: [403],
});

export const listDevices = route('listDevices', 'GET /v1/devices', {
  summary: 'The inventory; filters networkId, tag and serialPrefix (the serial numbers that start with it).',
  query: z.object({
    ...PageQueryShape,
    networkId: z.string().optional(),
    tag: z.string().optional(),
    serialPrefix: queryText(64)
      .optional()
      .meta({ description: 'Serial numbers that start with it (any case).' }),
  }),
  response: { status: 200, schema: pageOf(DeviceViewSchema, 'DevicePage') },
});

export const getDevice = route('getDevice', 'GET /v1/devices/{serialNumber}', {
  summary: 'One device with the licences it holds in every account you may see.',
  params: SerialParams,
  response: {
    status: 200,
    schema: DeviceDetailSchema,
  },
  errors: [404],
});

export const removeDevice = route('removeDevice', 'DELETE /v1/devices/{serialNumber}', {
  summary:
    "Remove a device and reclaim its licences in every account (Apple's revoke); 202 with the job (org-admin).",
  params: SerialParams,
  ...startsJob({ role: 'org-admin' }),
  errors: [403, 404],
});

export const DEVICE_ROUTES = [putDevices, listDevices, getDevice, removeDevice];
