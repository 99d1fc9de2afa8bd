/** Granting and revoking one asset (SPEC §4, §5.4). */
import * as z from 'zod';
import { AssetParams, PricingQueryShape } from './assets.ts';
import { JobViewSchema } from './jobs.ts';
import { defineRoute } from './route.ts';

export const SubjectsBody = z
  .object({
    serialNumbers: z.array(z.string().trim().min(1).max(64)).max(10_000).default([]),
    userIds: z.array(z.string().trim().min(1).max(64)).max(10_000).default([]),
  })
  .strict()
  .refine((b) => b.serialNumbers.length + b.userIds.length > 0, {
    message: 'Give at least one serial number or user id.',
  })
  .meta({ id: 'Subjects', description: 'At most 10,000 serial numbers and 10,000 user ids per request.' });

export const RejectionSchema = z
  .object({
    subject: z.string().meta({ description: 'device:<serial> or user:<id>' }),
    code: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'Rejection' });

export const LicenseAnswerSchema = z
  .object({ job: JobViewSchema, rejected: z.array(RejectionSchema) })
  .meta({ id: 'LicenseOperation' });

export const grantLicenses = defineRoute({
  id: 'grantLicenses',
  method: 'POST',
  path: '/v1/accounts/{accountId}/assets/{adamId}/grants',
  fn: 'api-assets',
  auth: 'jwt',
  summary:
    'Grant the asset to devices and users. Subjects that break a rule are rejected with a reason; the rest go ahead as a job.',
  tag: 'licenses',
  params: AssetParams,
  query: z.object(PricingQueryShape),
  body: SubjectsBody,
  response: { status: 202, schema: LicenseAnswerSchema },
  errors: [404, 409, 422],
  startsJob: { access: { account: 'manage' } },
});

export const revokeLicenses = defineRoute({
  id: 'revokeLicenses',
  method: 'POST',
  path: '/v1/accounts/{accountId}/assets/{adamId}/revocations',
  fn: 'api-assets',
  auth: 'jwt',
  summary:
    "Take this one asset back from devices and users (Apple's disassociate); never the subjects' other licences.",
  tag: 'licenses',
  params: AssetParams,
  query: z.object(PricingQueryShape),
  body: SubjectsBody,
  response: { status: 202, schema: LicenseAnswerSchema },
  errors: [404, 409, 422],
  startsJob: { access: { account: 'manage' } },
});

export const LICENSE_ROUTES = [grantLicenses, revokeLicenses];
