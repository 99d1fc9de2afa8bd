/** Licensed apps and books and who holds them (SPEC §4 assets). */
import * as z from 'zod';
import {
  ASSIGNMENT_VIEW_FIELDS,
  type AssetView,
  type AssignmentView,
} from '../application/assets/asset-view.ts';
import { AssetRecordSchema, PricingParamSchema } from '../domain/asset.ts';
import {
  AssignmentRecordSchema,
  AssignmentSourceSchema,
  AssignmentStateSchema,
} from '../domain/assignment.ts';
import { AccountParams } from './accounts.ts';
import { jwtRoutes, maskOf, PageQueryShape, pageOf, schemaOf } from './route.ts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const AssetParams = AccountParams.extend({
  adamId: z.string().regex(/^\d{1,20}$/, 'adamId is Apple’s numeric product id'),
});
export const PricingQueryShape = { pricingParam: PricingParamSchema.optional() };

// The pending count comes with its description, listed before the retired count as it always was.
export const AssetViewSchema = schemaOf<AssetView>()(
  AssetRecordSchema.omit({
    accountId: true,
    updatedAt: true,
    pendingCount: true,
    retiredCount: true,
    holderCount: true,
  })
    .extend({
      pendingCount: z.number().int().meta({ description: 'Licences reserved by grants in flight.' }),
      retiredCount: AssetRecordSchema.shape.retiredCount,
      countsConsistent: z.boolean().meta({
        description:
          "False when Apple's counts break Apple's invariant (assigned + available = total, assets that are not unlimited): they are shown as Apple said them, and no more than min(available, total − assigned) − pending is promised.",
      }),
    })
    .meta({ id: 'Asset' }),
);

export const AssignmentViewSchema = schemaOf<AssignmentView>()(
  AssignmentRecordSchema.pick(maskOf(ASSIGNMENT_VIEW_FIELDS))
    .extend({
      subjectId: AssignmentRecordSchema.shape.subjectId.meta({
        description: 'A serial number, or a VPP user id.',
      }),
    })
    .meta({ id: 'Assignment' }),
);

/** The asset's name and kind beside a licence listed by its holder (a device's or a user's details). */
export const AssetNamingShape = {
  name: AssetRecordSchema.shape.name.meta({ description: "The asset's name (Apple's metadata)." }),
  productType: AssetRecordSchema.shape.productType
    .optional()
    .meta({ description: 'App or Book; absent only when the asset is no longer known here.' }),
};

export const AssetDetailSchema = AssetViewSchema.extend({
  assignments: z
    .object({
      granted: z.number().int(),
      pendingGrant: z.number().int(),
      pendingRevoke: z.number().int(),
      failed: z.number().int(),
      revoked: z.number().int(),
    })
    .meta({ description: 'How many assignments are in each state.' }),
  deployment: z.unknown().nullable().meta({ description: 'How the asset reaches its scope (null: none).' }),
}).meta({ id: 'AssetDetail' });

const route = jwtRoutes('assets');

export const listAssets = route('listAssets', 'GET /v1/accounts/{accountId}/assets', {
  summary: 'Licensed apps and books with counts; filters productType and deviceAssignable.',
  params: AccountParams,
  query: z.object({
    ...PageQueryShape,
    productType: z.enum(['App', 'Book']).optional(),
    deviceAssignable: bool.optional(),
  }),
  response: { status: 200, schema: pageOf(AssetViewSchema, 'AssetPage') },
  errors: [404],
});

export const getAsset = route('getAsset', 'GET /v1/accounts/{accountId}/assets/{adamId}', {
  summary:
    'One asset with its deployment and a summary of its assignments (?pricingParam= when the adamId is held with both).',
  params: AssetParams,
  query: z.object(PricingQueryShape),
  response: { status: 200, schema: AssetDetailSchema },
  errors: [404, 409],
});

export const listAssetAssignments = route(
  'listAssetAssignments',
  'GET /v1/accounts/{accountId}/assets/{adamId}/assignments',
  {
    summary: 'Who holds the asset; filters state and source.',
    params: AssetParams,
    query: z.object({
      ...PageQueryShape,
      ...PricingQueryShape,
      state: AssignmentStateSchema.optional(),
      source: AssignmentSourceSchema.optional(),
    }),
    response: { status: 200, schema: pageOf(AssignmentViewSchema, 'AssignmentPage') },
    errors: [404, 409],
  },
);

export const ASSET_READ_ROUTES = [listAssets, getAsset, listAssetAssignments];
