/** Granting and revoking one asset (SPEC §4, §5.4). */
import * as z from 'zod';
import type { StartedJob } from '../application/jobs/job-view.ts';
import type { Rejection } from '../application/licenses/request-licenses.ts';
import { AssetParams, PricingQueryShape } from './assets.ts';
import { JobViewSchema } from './jobs.ts';
import { jwtRoutes, schemaOf } from './route.ts';

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

export const RejectionSchema = schemaOf<Rejection>()(
  z
    .object({
      subject: z.string().meta({ description: 'device:<serial> or user:<id>' }),
      code: z.string(),
      reason: z.string(),
    })
    .meta({ id: 'Rejection' }),
);

/** The answer of a route that starts a job for what passed the rules (`id`: its OpenAPI name). */
export const startedJobSchema = (id: string) =>
  schemaOf<StartedJob>()(z.object({ job: JobViewSchema, rejected: z.array(RejectionSchema) }).meta({ id }));

export const LicenseAnswerSchema = startedJobSchema('LicenseOperation');

const route = jwtRoutes('licenses');

/** A grant or a revocation of one asset for the subjects in the body: a job. */
const licenseRoute = <const Id extends string, const Path extends `/${string}`>(
  id: Id,
  path: Path,
  summary: string,
) =>
  route(id, `POST ${path}`, {
    summary,
    params: AssetParams,
    query: z.object(PricingQueryShape),
    body: SubjectsBody,
    response: { status: 202, schema: LicenseAnswerSchema },
    errors: [404, 409, 422],
    startsJob: { access: { account: 'manage' } },
  });

export const grantLicenses = licenseRoute(
  'grantLicenses',
  '/v1/accounts/{accountId}/assets/{adamId}/grants',
  'Grant the asset to devices and users. Subjects that break a rule are rejected with a reason; the rest go ahead as a job.',
);

export const revokeLicenses = licenseRoute(
  'revokeLicenses',
  '/v1/accounts/{accountId}/assets/{adamId}/revocations',
  "Take this one asset back from devices and users (Apple's disassociate); never the subjects' other licences.",
);

export const LICENSE_ROUTES = [grantLicenses, revokeLicenses];
