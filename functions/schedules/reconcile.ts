/** Hourly (configurable): every deployment reconciled with its scope (SPEC §5.7). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reconcileAll } from '../../shared/application/deployments/reconcile.ts';
import { metrics } from '../lib/powertools.ts';
import { scheduledJob } from '../lib/workers.ts';

export const handler = scheduledJob('reconcile', async (deps) => {
  const result = await reconcileAll(deps, { type: 'schedule', id: 'reconcile' });
  metrics.addMetric('LicenseShortage', MetricUnit.Count, result.shortage);
  return {
    deployments: result.deployments,
    granted: result.granted,
    revoked: result.revoked,
    shortage: result.shortage,
  };
});
