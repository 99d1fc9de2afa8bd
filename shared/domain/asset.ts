/**
 * An app or book of an account, identified by (`adamId`, `pricingParam`), with Apple's counts and our
 * `pendingCount`: licences reserved by grants in flight. Free licences = available − pending.
 */
import * as z from 'zod';

export const PricingParamSchema = z.enum(['STDQ', 'PLUS']);
export type PricingParam = z.infer<typeof PricingParamSchema>;

export const AssetRecordSchema = z.object({
  accountId: z.string(),
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  productType: z.enum(['App', 'Book']),
  name: z.string().optional(),
  iconUrl: z.string().optional(),
  deviceAssignable: z.boolean(),
  revocable: z.boolean(),
  supportedPlatforms: z.array(z.string()),
  unlimited: z.boolean(),
  totalCount: z.number().int(),
  assignedCount: z.number().int(),
  availableCount: z.number().int(),
  retiredCount: z.number().int(),
  pendingCount: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type AssetRecord = z.infer<typeof AssetRecordSchema>;

/** Apple's total for an unlimited (free) asset. */
export const UNLIMITED_TOTAL = 2_147_483_647;

export const assetKeyOf = (a: { adamId: string; pricingParam: string }) => `${a.adamId}:${a.pricingParam}`;

/** Licences that may still be promised: Apple's available minus what grants in flight reserved. */
export const freeLicenses = (
  asset: Pick<AssetRecord, 'availableCount' | 'pendingCount' | 'unlimited'>,
): number =>
  asset.unlimited ? Number.POSITIVE_INFINITY : Math.max(0, asset.availableCount - asset.pendingCount);

/** The facts a sync copies from Apple: if none differs, the sync writes nothing. */
export const APPLE_ASSET_FIELDS = [
  'productType',
  'deviceAssignable',
  'revocable',
  'unlimited',
  'totalCount',
  'assignedCount',
  'availableCount',
  'retiredCount',
] as const;
