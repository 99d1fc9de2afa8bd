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
import type { JobType } from '../../domain/job.ts';
import type { QueueMessage } from '../messages.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import { SUBJECTS_PER_MESSAGE } from './request-licenses.ts';

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

export async function resumeStalled(deps: ResumeDeps): Promise<ResumeResult> {
  const before = new Date(deps.clock.now().getTime() - STALLED_AFTER_MS).toISOString();
  let records = 0;
  let messages = 0;
  for (const account of await deps.accounts.listAll()) {
    const stalled = (await deps.assignments.listInFlightSince(account.id, before)).filter(
      (r): r is AssignmentRecord & { jobId: string } => r.jobId !== undefined,
    );
    // One request per job, asset and direction, as it was queued.
    const groups = new Map<string, (AssignmentRecord & { jobId: string })[]>();
    for (const r of stalled) {
      const k = `${r.state}|${r.jobId}|${r.adamId}|${r.pricingParam}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const types = new Map<string, JobType | undefined>();
    const resent = new Set<string>();
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      if (!types.has(first.jobId))
        types.set(first.jobId, (await deps.jobs.get(first.jobId, { maxFailures: 0 }))?.type);
      const type = types.get(first.jobId);
      if (type === 'retirement') {
        // The retirement's own job again: Apple's revoke, then users/retire once it has ended.
        const userIds = [...new Set(group.map((r) => r.subjectId))].filter(
          (u) => !resent.has(`${first.jobId}|${u}`),
        );
        for (const u of userIds) resent.add(`${first.jobId}|${u}`);
        if (userIds.length > 0) {
          await deps.queue.send('jobs', {
            type: 'retirement',
            orgId: account.orgId,
            accountId: account.id,
            jobId: first.jobId,
            userIds,
            resume: true,
          });
          messages++;
        }
        records += group.length;
        continue;
      }
      if (type === 'device-removal') {
        // The removal's own job again: it revokes the device's holdings in every account.
        const serials = new Set(
          group.map((r) => r.subjectId).filter((s) => !resent.has(`${first.jobId}|${s}`)),
        );
        for (const serialNumber of serials) {
          resent.add(`${first.jobId}|${serialNumber}`);
          await deps.queue.send('jobs', {
            type: 'device-removal',
            orgId: account.orgId,
            jobId: first.jobId,
            serialNumber,
            resume: true,
          });
        }
        records += group.length;
        messages += serials.size;
        continue;
      }
      // A grant or a revocation (or a request whose job was never written: the API died first).
      const batch: QueueMessage<'grants'>[] = [];
      for (let i = 0; i < group.length; i += SUBJECTS_PER_MESSAGE) {
        batch.push({
          orgId: account.orgId,
          accountId: account.id,
          jobId: first.jobId,
          asset: { adamId: first.adamId, pricingParam: first.pricingParam },
          subjects: group
            .slice(i, i + SUBJECTS_PER_MESSAGE)
            .map((r) => ({ type: r.subjectType, id: r.subjectId })),
          resume: true,
        });
      }
      await deps.queue.sendMany(first.state === 'pending-grant' ? 'grants' : 'revocations', batch);
      records += group.length;
      messages += batch.length;
    }
  }
  return { records, messages };
}
