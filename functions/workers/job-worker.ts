/** The jobs queue: syncs, device removals, invitations, reconciliations, retirements, account purges. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { purgeAccountData } from '../../shared/application/accounts/purge-account.ts';
import { runReconcileJob } from '../../shared/application/deployments/run-reconcile.ts';
import { reclaimDevice } from '../../shared/application/licenses/revoke-all.ts';
import { runSyncJob } from '../../shared/application/sync/run-sync-job.ts';
import { runInvitationJob } from '../../shared/application/users/invitations.ts';
import { runRetirementJob } from '../../shared/application/users/retirements.ts';
import { metrics } from '../lib/powertools.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker('jobs', async (deps, message, record) => {
  switch (message.type) {
    case 'sync':
      return runSyncJob(deps, message, record);
    case 'device-removal':
      return reclaimDevice(deps, message, record);
    case 'invitation':
      return runInvitationJob(deps, message, record);
    case 'reconcile': {
      const result = await runReconcileJob(deps, message);
      // Every reconciliation reports its shortage, like the hourly one.
      metrics.addMetric('LicenseShortage', MetricUnit.Count, result.shortage);
      return;
    }
    case 'account-purge':
      await purgeAccountData(deps, message);
      return;
    case 'retirement':
      return runRetirementJob(deps, message, record);
  }
});
