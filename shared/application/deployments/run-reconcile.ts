/**
 * The reconcile job (jobs queue): a debounced reconciliation of an organisation after changes, or one
 * deployment reconciled on request (its job ends with what was done).
 */
import type { Actor } from '../../domain/principal.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import { type DeploymentDeps, scheduleReconciliation } from './manage-deployments.ts';
import { type ReconcileResult, reconcileAll } from './reconcile.ts';

export async function runReconcileJob(
  deps: DeploymentDeps,
  message: ParsedQueueMessage<'jobs'> & { type: 'reconcile' },
): Promise<ReconcileResult> {
  // Release first: changes from now on ask for a new run.
  if (message.debounceKey) await deps.debouncer.release(message.debounceKey);
  const actor: Actor = message.jobId
    ? { type: 'system', id: `reconcile:${message.jobId}` }
    : { type: 'system', id: 'reconcile-after-change' };
  if (message.jobId) await deps.jobs.start(message.jobId);
  const result = await reconcileAll(deps, actor, {
    orgId: message.orgId,
    ...(message.accountId ? { accountId: message.accountId } : {}),
    ...(message.adamId ? { adamId: message.adamId } : {}),
    ...(message.pricingParam ? { pricingParam: message.pricingParam } : {}),
  });
  if (result.busy.includes(message.orgId)) {
    // Another run holds the organisation: this one runs after it (a job keeps its id and waits).
    if (message.jobId)
      await deps.queue.send('jobs', message, {
        delaySeconds: Math.max(1, deps.settings.reconcileDebounceSeconds),
      });
    else await scheduleReconciliation(deps, message.orgId);
    return result;
  }
  if (message.jobId) {
    await deps.jobs.setSummary(message.jobId, {
      granted: result.granted,
      revoked: result.revoked,
      shortage: result.shortage,
      jobIds: result.jobIds,
    });
    await deps.jobs.recordProgress(message.jobId, { completed: 1 });
  }
  return result;
}
