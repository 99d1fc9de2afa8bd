/** Job progress (SPEC §3, §4), and the one answer of every call that starts a job. */
import * as z from 'zod';
import type { JobView, StartedJob } from '../application/jobs/job-view.ts';
import type { Rejection } from '../application/licenses/request-licenses.ts';
import { JobSchema } from '../domain/job.ts';
import { jwtRoutes, schemaOf } from './route.ts';

export const JobViewSchema = schemaOf<JobView>()(JobSchema.omit({ orgId: true }).meta({ id: 'Job' }));

export const RejectionSchema = schemaOf<Rejection>()(
  z
    .object({
      subject: z.string().meta({ description: 'device:<serial> or user:<id>' }),
      code: z.string(),
      reason: z.string(),
    })
    .meta({ id: 'Rejection' }),
);

/**
 * What every call that starts a job answers (202): the job, and the subjects refused with the reason
 * each was (empty where nothing is checked per subject: a sync, a reconciliation, a device removal).
 */
export const StartedJobSchema = schemaOf<StartedJob>()(
  z.object({ job: JobViewSchema, rejected: z.array(RejectionSchema) }).meta({
    id: 'StartedJob',
    description:
      'The job started, and the subjects refused with their reason (empty where nothing is checked per subject).',
  }),
);

const route = jwtRoutes('jobs');

export const getJob = route('getJob', 'GET /v1/jobs/{jobId}', {
  summary: "A job's progress and failures.",
  params: z.object({ jobId: z.string().min(1).max(64) }),
  response: { status: 200, schema: JobViewSchema },
  errors: [404],
});
