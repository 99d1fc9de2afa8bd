/** Hourly (configurable): every deployment reconciled with its scope (SPEC §5.7), then stalled licence requests resumed. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reconcileAll } from '../../shared/application/deployments/reconcile.ts';
import { resumeStalled } from '../../shared/application/licenses/resume-stalled.ts';
import { metrics } from '../lib/powertools.ts';
import { scheduledJob } from '../lib/workers.ts';

export const handler = scheduledJob('reconcile', async (deps) => {
  const result = await reconcileAll(deps, { type: 'schedule', id: 'reconcile' });
  metrics.addMetric('LicenseShortage', MetricUnit.Count, result.shortage);
  // The safety net: grants and revocations dropped on the way (a function that died) go on.
  const resumed = await resumeStalled(deps);
  metrics.addMetric('StalledLicensesResumed', MetricUnit.Count, resumed.records);
  return {
    deployments: result.deployments,
    granted: result.granted,
    revoked: result.revoked,
    shortage: result.shortage,
    busy: result.busy,
    resumed,
  };
});
