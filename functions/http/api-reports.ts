/** Jobs, licence reports and the audit log. */
import { getJob } from '../../shared/api/jobs.ts';
import { getJob as readJob } from '../../shared/application/jobs/get-job.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(getJob, async ({ deps, principal, params }) => ({
    body: await readJob(deps, principal, params.jobId),
  })),
);
