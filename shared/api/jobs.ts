/** Job progress (SPEC §3, §4). */
import * as z from 'zod';
import type { JobView } from '../application/jobs/job-view.ts';
import { JobSchema } from '../domain/job.ts';
import { defineRoute, schemaOf } from './route.ts';

export const JobViewSchema = schemaOf<JobView>()(JobSchema.omit({ orgId: true }).meta({ id: 'Job' }));

export const getJob = defineRoute({
  id: 'getJob',
  method: 'GET',
  path: '/v1/jobs/{jobId}',
  auth: 'jwt',
  summary: "A job's progress and failures.",
  tag: 'jobs',
  params: z.object({ jobId: z.string().min(1).max(64) }),
  response: { status: 200, schema: JobViewSchema },
  errors: [404],
});
