/** Job progress (SPEC §3, §4), and the one answer of every call that starts a job. */
import * as z from 'zod';
import type { JobListItem, JobView, StartedJob } from '../application/jobs/job-view.ts';
import type { Rejection } from '../application/licenses/request-licenses.ts';
import { JobSchema, JobStateSchema, JobTypeSchema, WaitingForSchema } from '../domain/job.ts';
import { type JobAccess, jwtRoutes, PageQueryShape, pageOf, schemaOf } from './route.ts';

const WaitingForViewSchema = WaitingForSchema.extend({
  kind: WaitingForSchema.shape.kind.meta({
    description:
      'apple-event: the Apple event the job sent (eventId), polled at nextCheckAt if no notification comes first; debounce: changes are gathered until nextCheckAt; queue: a worker is to take its next step',
  }),
}).meta({ id: 'JobWaitingFor', description: 'What a job not ended waits for.' });

export const JobViewSchema = schemaOf<JobView>()(
  JobSchema.omit({ orgId: true, debouncedUntil: true, awaitingEvent: true })
    .extend({ waitingFor: WaitingForViewSchema.optional() })
    .meta({ id: 'Job' }),
);

export const JobListItemSchema = schemaOf<JobListItem>()(
  JobViewSchema.omit({ failures: true }).meta({
    id: 'JobListItem',
    description:
      'A job in a list: its failures are in the job itself (GET /v1/jobs/{jobId}); `failed` counts them.',
  }),
);

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

/**
 * What the contract of every route that starts a job says: it answers 202 with the started job, and
 * accepts an `Idempotency-Key` replayed only to a caller with `access`.
 */
export const startsJob = <const A extends JobAccess>(access: A) =>
  ({ response: { status: 202, schema: StartedJobSchema }, startsJob: { access } }) as const;

const route = jwtRoutes('jobs');

export const listJobs = route('listJobs', 'GET /v1/jobs', {
  summary:
    "The jobs you may see, newest first: an org-admin's and a viewer's, every job of the organisation; an admin's, the jobs of the accounts that list them (not organisation-wide ones such as a device removal).",
  query: z.object({
    ...PageQueryShape,
    type: JobTypeSchema.optional(),
    state: JobStateSchema.optional(),
    accountId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Only the jobs of this account (an account you cannot see lists nothing).' }),
  }),
  response: { status: 200, schema: pageOf(JobListItemSchema, 'JobPage') },
});

export const getJob = route('getJob', 'GET /v1/jobs/{jobId}', {
  summary: "A job's progress and failures.",
  params: z.object({ jobId: z.string().min(1).max(64) }),
  response: { status: 200, schema: JobViewSchema },
  errors: [404],
});
