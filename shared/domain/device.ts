/**
 * A device of the organisation's inventory (SPEC §3): org-wide, fed by API callers. Its network and
 * tags decide the deployments it falls in; its owner's e-mail links it to VPP users.
 */
import * as z from 'zod';

export const DeviceSchema = z.object({
  orgId: z.string(),
  serialNumber: z.string(),
  networkId: z.string(),
  tags: z.array(z.string()),
  platform: z.string().optional(),
  ownerEmail: z.string().optional(),
  lastSeenAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Device = z.infer<typeof DeviceSchema>;

/** Serial numbers are compared in upper case, as Apple prints them. */
export const normaliseSerial = (serial: string): string => serial.trim().toUpperCase();
