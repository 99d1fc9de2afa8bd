/** Jobs, licence reports and the audit log. */
import { listAudit } from '../../shared/api/audit.ts';
import { getJob, listJobs } from '../../shared/api/jobs.ts';
import { getLicenseReport } from '../../shared/api/reports.ts';
import { listAudit as readAudit } from '../../shared/application/audit/list-audit.ts';
import { licenseReport, toCsv } from '../../shared/application/deployments/license-report.ts';
import { getJob as readJob, listJobs as readJobs } from '../../shared/application/jobs/read-jobs.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(getJob, async ({ deps, principal, params }) => ({
    body: await readJob(deps, principal, params.jobId),
  })),
  bind(listJobs, async ({ deps, principal, query }) => ({ body: await readJobs(deps, principal, query) })),
  bind(listAudit, async ({ deps, principal, query }) => ({ body: await readAudit(deps, principal, query) })),
  bind(getLicenseReport, async ({ deps, principal, query }) => {
    const rows = await licenseReport(deps, principal, query.accountId);
    return query.format === 'csv'
      ? { csv: { filename: 'licenses.csv', content: toCsv(rows) } }
      : { body: { items: rows } };
  }),
);
