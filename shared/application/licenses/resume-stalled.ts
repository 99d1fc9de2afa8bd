/**
 * The safety net under the grant and revocation pipeline (SPEC §5.4, §5b). A record stays in flight
 * only while its request is on a queue or its Apple event is followed, and an event is given up after
 * 10 minutes; so a record still in flight an hour after it last moved was dropped on the way: the API
 * function died between marking it and queueing it, or its messages ended in a DLQ. Its request is
 * queued again, and the workers' redelivery rules finish it: a record that may have reached Apple is
 * checked against Apple's holdings first, one with an event id has its event polled; nothing is ever
 * sent twice. Runs with the hourly reconciliation.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import { licenseOperations } from './request-licenses.ts';

/** Longer than any live record stays in flight (an event is given up after 10 minutes). */
export const STALLED_AFTER_MS = 60 * 60 * 1000;

export interface ResumeDeps {
  readonly accounts: AccountRepository;
  readonly assignments: AssignmentRepository;
  readonly jobs: JobRepository;
  readonly queue: MessageQueue;
  readonly clock: Clock;
}

export interface ResumeResult {
  /** Records queued again, and the messages that carry them. */
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
      records += stalled.length;
      const type = (await deps.jobs.get(jobId, { maxFailures: 0 }))?.type;
      const subjects = [...new Set(stalled.map((r) => r.subjectId))];
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
      // A grant or a revocation (or a request whose job was never written: the API died first): one
      // request per asset and direction, as it was queued.
      const requests = new Map<string, AssignmentRecord[]>();
      for (const r of stalled) push(requests, `${r.state}|${r.adamId}|${r.pricingParam}`, r);
      for (const group of requests.values()) {
        const [first] = group;
        if (!first) continue;
        const batch = licenseOperations(
          {
            orgId: account.orgId,
            accountId: account.id,
            jobId,
            asset: { adamId: first.adamId, pricingParam: first.pricingParam },
            resume: true,
          },
          group.map((r) => ({ type: r.subjectType, id: r.subjectId })),
        );
        await deps.queue.sendMany(first.state === 'pending-grant' ? 'grants' : 'revocations', batch);
        messages += batch.length;
      }
    }
  }
  return { records, messages };
}
