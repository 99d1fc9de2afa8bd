/** Granting and revoking one asset (SPEC §4, §5.4). */
import * as z from 'zod';
import { AssetParams, PricingQueryShape } from './assets.ts';
import { startsJob } from './jobs.ts';
import { jwtRoutes } from './route.ts';

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

/** A grant or a revocation of one asset for the subjects in the body: a job. */
const licenseRoute = jwtRoutes('licenses', {
  params: AssetParams,
  query: z.object(PricingQueryShape),
  body: SubjectsBody,
  ...startsJob({ account: 'manage' }),
  errors: [404, 409, 422],
});

export const grantLicenses = licenseRoute(
  'grantLicenses',
  'POST /v1/accounts/{accountId}/assets/{adamId}/grants',
  {
    summary:
      'Grant the asset to devices and users. Subjects that break a rule are rejected with a reason; the rest go ahead as a job.',
  },
);

export const revokeLicenses = licenseRoute(
  'revokeLicenses',
  'POST /v1/accounts/{accountId}/assets/{adamId}/revocations',
  {
    summary:
      "Take this one asset back from devices and users (Apple's disassociate); never the subjects' other licences.",
  },
);

export const LICENSE_ROUTES = [grantLicenses, revokeLicenses];
