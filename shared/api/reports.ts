/** The licence report (SPEC §4, §5.7). */
import * as z from 'zod';
import type { LicenseReportRow } from '../application/deployments/license-report.ts';
import { PricingParamSchema } from '../domain/asset.ts';
import { jwtRoutes, schemaOf } from './route.ts';

export const LicenseReportRowSchema = schemaOf<LicenseReportRow>()(
  z
    .object({
      accountId: z.string(),
      accountName: z.string(),
      adamId: z.string(),
      pricingParam: PricingParamSchema,
      name: z.string().optional(),
      productType: z.enum(['App', 'Book']),
      deviceAssignable: z
        .boolean()
        .meta({ description: 'The asset can be assigned to devices (false: users only).' }),
      revocable: z.boolean().meta({ description: 'A licence can be taken back (false for books).' }),
      total: z.number().int().nullable().meta({ description: 'null: unlimited.' }),
      assigned: z.number().int(),
      available: z.number().int().nullable(),
      pending: z.number().int(),
      inScope: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'Subjects in the deployment scope (null: no deployment).' }),
      shortage: z
        .number()
        .int()
        .meta({ description: 'In scope but without a licence, beyond what is free.' }),
    })
    .meta({ id: 'LicenseReportRow' }),
);

const route = jwtRoutes('reports');

export const getLicenseReport = route('getLicenseReport', 'GET /v1/reports/licenses', {
  summary:
    'Per asset: its kind (productType, deviceAssignable, revocable), total, assigned, available, pending, in scope, shortage. ?format=csv for a CSV file.',
  query: z.object({ format: z.enum(['json', 'csv']).default('json'), accountId: z.string().optional() }),
  response: {
    status: 200,
    schema: z.object({ items: z.array(LicenseReportRowSchema) }).meta({ id: 'LicenseReport' }),
  },
});
