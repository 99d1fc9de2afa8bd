/**
 * Runs a sync job from the jobs queue.
 * 1. The account must still exist (else the job fails, saying so).
 * 2. A requested sync moves its job through running to succeeded, with the drift report as summary.
 * 3. A scheduled sync has no job until it finds something: then it leaves a succeeded job with the
 *    report (and an audit entry); with nothing new it leaves nothing.
 * 4. Apple faults that may pass (throttling, outages) are retried through the queue; on the last
 *    attempt, or for an error that will not pass, the job ends `failed` with Apple's number and reason
 *    (`onAppleFailure`, call `sync`).
 * 5. A sync that nears the end of its invocation (`remainingMs` below `SYNC_TIME_RESERVE_MS`) stops at
 *    its next checkpoint and sends itself on: the same message, which continues from there. One that
 *    died is continued by its message's next delivery. A delivery overtaken by another of the same
 *    run stops quietly.
 */
import type { Job } from '../../domain/job.ts';
import type { Actor } from '../../domain/principal.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import { type Delivery, isVppError, onAppleFailure } from '../ports/vpp-errors.ts';
import { RetryLaterError } from '../retry-later.ts';
import { driftFound, type SyncDeps, SyncSuperseded, syncAccount } from './sync-account.ts';

/** The time a sync keeps in hand at the end of an invocation: a page of Apple's and its writes. */
export const SYNC_TIME_RESERVE_MS = 60_000;

export interface SyncJobDeps extends SyncDeps {
  readonly jobs: JobRepository;
  readonly audit: AuditLog;
  readonly ids: IdGenerator;
  readonly queue: MessageQueue;
}

/** A delivery of a sync message, and how long its invocation has left. */
export interface SyncDelivery extends Delivery {
  readonly remainingMs?: () => number;
}

export interface SyncJobMessage {
  readonly orgId: string;
  readonly accountId: string;
  readonly jobId: string;
  readonly full: boolean;
  readonly scheduled: boolean;
}

export async function runSyncJob(
  deps: SyncJobDeps,
  message: SyncJobMessage,
  attempt: SyncDelivery,
): Promise<void> {
  const actor: Actor = message.scheduled
    ? { type: 'schedule', id: 'nightly-sync' }
    : { type: 'system', id: 'sync' };
  const now = () => deps.clock.now().toISOString();
  const ensureJob = async (state: Job['state'], summary?: Record<string, unknown>) => {
    if (!message.scheduled) return;
    if (await deps.jobs.get(message.jobId, { maxFailures: 0 })) return;
    await deps.jobs.create({
      id: message.jobId,
      orgId: message.orgId,
      accountId: message.accountId,
      type: 'sync',
      state,
      requested: 3,
      completed: state === 'succeeded' ? 3 : 0,
      failed: 0,
      failures: [],
      ...(summary ? { summary } : {}),
      createdBy: 'schedule:nightly-sync',
      createdAt: now(),
      updatedAt: now(),
    });
  };

  const account = await deps.accounts.get(message.accountId);
  if (!account || account.orgId !== message.orgId) {
    if (!message.scheduled) {
      await deps.jobs.recordProgress(message.jobId, {
        failures: [
          {
            subject: `account:${message.accountId}`,
            code: 'account.not_found',
            reason: 'The account was removed before the sync ran.',
          },
        ],
      });
      await deps.jobs.finish(message.jobId, 'failed');
    }
    return;
  }
  if (!message.scheduled) await deps.jobs.start(message.jobId);

  try {
    const { remainingMs } = attempt;
    const report = await syncAccount(deps, account, {
      jobId: message.jobId,
      full: message.full,
      actor,
      ...(remainingMs ? { outOfTime: () => remainingMs() < SYNC_TIME_RESERVE_MS } : {}),
    });
    if ('continues' in report) {
      await deps.queue.send('jobs', { type: 'sync', ...message });
      return;
    }
    const changed = driftFound(report);
    if (message.scheduled) {
      if (!changed) return;
      await ensureJob('succeeded', { drift: report });
    } else {
      // The summary first: whoever sees the job succeeded also sees its report.
      await deps.jobs.setSummary(message.jobId, { drift: report });
      await deps.jobs.recordProgress(message.jobId, { completed: 3 });
    }
    if (changed) {
      await auditTrail(deps, account.orgId, actor).account(account.id, 'account.synced', 'succeeded', {
        jobId: message.jobId,
        full: report.full,
        users: report.users,
        assets: report.assets,
        assignments: report.assignments,
      });
    }
  } catch (error) {
    if (error instanceof SyncSuperseded) return;
    const action = isVppError(error) ? onAppleFailure('sync', error, attempt) : 'settle';
    if (action === 'retry' && isVppError(error))
      throw new RetryLaterError(`Apple is unavailable for now (${error.message}); the sync will be retried.`);
    const failure = {
      subject: `account:${account.id}`,
      code: isVppError(error) ? `apple.${error.kind}` : 'sync.failed',
      reason: error instanceof Error ? error.message : 'The sync failed.',
      ...(isVppError(error) && error.errorNumber !== undefined
        ? { appleError: { errorNumber: error.errorNumber, errorMessage: error.message } }
        : {}),
    };
    if (message.scheduled) await ensureJob('failed');
    await deps.jobs.recordProgress(message.jobId, { failures: [failure] });
    await deps.jobs.finish(message.jobId, 'failed');
    await auditTrail(deps, account.orgId, actor).account(account.id, 'account.synced', 'failed', {
      jobId: message.jobId,
      code: failure.code,
    });
    // An outage that outlasted every retry: let the message reach the dead-letter queue (alarmed) too.
    if (action === 'give-up') throw error;
  }
}
