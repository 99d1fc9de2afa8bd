/** Job progress (SPEC §3, §4). */
import * as z from 'zod';
import type { JobView } from '../application/jobs/job-view.ts';
import { JobSchema } from '../domain/job.ts';
import { jwtRoutes, schemaOf } from './route.ts';

export const JobViewSchema = schemaOf<JobView>()(JobSchema.omit({ orgId: true }).meta({ id: 'Job' }));

const route = jwtRoutes('jobs');

export const getJob = route('getJob', 'GET /v1/jobs/{jobId}', {
  summary: "A job's progress and failures.",
  params: z.object({ jobId: z.string().min(1).max(64) }),
  response: { status: 200, schema: JobViewSchema },
  errors: [404],
});
