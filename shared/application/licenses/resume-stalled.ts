/**
 * The safety net under the grant and revocation pipeline (SPEC §5.4, §5b). A batch of a grant or a
 * revocation is closed by the delivery that sends it, and an Apple event is given up after 10 minutes;
 * so what is still open an hour later was dropped on the way:
 * - a batch not closed (the API died before queueing it, its message ended in a DLQ, or the delivery
 *   that claimed it died) is queued again; the worker takes over a claim older than an hour, checks
 *   Apple's holdings for what may have reached Apple, and sends only the rest;
 * - a record with Apple's event still in flight lost both its poll and its notification: the event is
 *   polled again (nothing is sent again);
 * - a retirement's or a device removal's records in flight: its own job runs again.
 * Runs with the hourly reconciliation.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { pollEvent } from '../event-polls.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';

/** Longer than any live record stays in flight (an event is given up after 10 minutes). */
export const STALLED_AFTER_MS = 60 * 60 * 1000;

export interface ResumeDeps {
  readonly accounts: AccountRepository;
  readonly assignments: AssignmentRepository;
  readonly jobs: JobRepository;
  readonly queue: MessageQueue;
  readonly clock: Clock;
  readonly settings: Pick<ServiceSettings, 'eventFirstPollSeconds' | 'eventPollIntervalSeconds'>;
}

export interface ResumeResult {
  /** Records queued again (a batch's subjects, or records whose event is polled again), and the messages. */
  readonly records: number;
  readonly messages: number;
}

/** Appends `value` to the list under `key`. */
function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function resumeStalled(deps: ResumeDeps): Promise<ResumeResult> {
  const before = new Date(deps.clock.now().getTime() - STALLED_AFTER_MS).toISOString();
  let records = 0;
  let messages = 0;
  for (const account of await deps.accounts.listAll()) {
    const byJob = new Map<string, AssignmentRecord[]>();
    for (const r of await deps.assignments.listInFlightSince(account.id, before))
      if (r.jobId !== undefined) push(byJob, r.jobId, r);
    for (const [jobId, stalled] of byJob) {
      const type = (await deps.jobs.get(jobId, { maxFailures: 0 }))?.type;
      const subjects = [...new Set(stalled.map((r) => r.subjectId))];
      if (type === 'retirement' || type === 'device-removal') records += stalled.length;
      if (type === 'retirement') {
        // The retirement's own job again: Apple's revoke, then users/retire once it has ended.
        await deps.queue.send('jobs', {
          type: 'retirement',
          orgId: account.orgId,
          accountId: account.id,
          jobId,
          userIds: subjects,
          resume: true,
        });
        messages++;
        continue;
      }
      if (type === 'device-removal') {
        // The removal's own job again: it revokes the device's holdings in every account.
        for (const serialNumber of subjects)
          await deps.queue.send('jobs', {
            type: 'device-removal',
            orgId: account.orgId,
            jobId,
            serialNumber,
            resume: true,
          });
        messages += subjects.length;
        continue;
      }
      // A grant or a revocation: a record with Apple's event waits for it, and both its poll and the
      // notification were lost: poll it again. One under a claim belongs to a batch not closed: below.
      const events = new Map<string, AssignmentRecord>();
      for (const r of stalled) {
        if (!r.eventId || r.eventId.startsWith('claim:')) continue;
        events.set(r.eventId, r);
        records++;
      }
      for (const [eventId, r] of events) {
        await pollEvent(deps, {
          orgId: account.orgId,
          accountId: account.id,
          eventId,
          eventType: r.state === 'pending-grant' ? 'ASSOCIATE' : 'DISASSOCIATE',
          jobId,
          submittedAt: r.updatedAt,
        });
        messages++;
      }
    }
    // Batches of grants and revocations not closed an hour after they were written: the API died before
    // queueing them, or their messages ended in a DLQ, or the delivery that claimed them died.
    for (const batch of await deps.jobs.openBatches(account.id)) {
      if (batch.createdAt >= before || (batch.claim && batch.claim.at >= before)) continue;
      records += batch.subjects.length;
      await deps.queue.send(batch.kind === 'grant' ? 'grants' : 'revocations', {
        orgId: account.orgId,
        accountId: account.id,
        jobId: batch.jobId,
        batch: batch.index,
        resume: true,
      });
      messages++;
    }
  }
  return { records, messages };
}
