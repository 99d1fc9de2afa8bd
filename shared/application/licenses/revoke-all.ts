/**
 * Apple's `assets/revoke`: takes back every revocable licence of some devices or users in one account.
 * Used only for a removed device and a retired user (SPEC §5.4). The holdings were moved to
 * `pending-revoke` for the job beforehand; this sends them, writes the event id on them and schedules
 * the status poll (again on a redelivery, in case the delivery that sent them died before it did).
 * Apple's refusals and a blocked account settle them as failed (they stay granted, with the reason);
 * outages retry the message, and on its last attempt settle as failed (`onAppleFailure`, call
 * `revoke`); any other error retries it.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { next } from '../../domain/assignment-state.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { pollEvent } from '../event-polls.ts';
import { isVppError, onAppleFailure } from '../ports/vpp-errors.ts';
import { RetryLaterError } from '../retry-later.ts';
import { appleFailureOutcomes, settleTasks } from './settle-event.ts';
import type { SubmitDeps } from './submit-licenses.ts';

export async function revokeAll(
  deps: SubmitDeps,
  input: {
    accountId: string;
    jobId: string;
    records: readonly AssignmentRecord[];
    afterwards?: { retireUsers: string[] };
  },
  attempt: { receiveCount: number; maxReceiveCount: number; resumed?: boolean },
): Promise<'sent' | 'nothing'> {
  const revokeEvent = (orgId: string, eventId: string, submittedAt: string) => ({
    orgId,
    accountId: input.accountId,
    eventId,
    eventType: 'REVOKE' as const,
    jobId: input.jobId,
    submittedAt,
    ...(input.afterwards ? { afterwards: input.afterwards } : {}),
  });
  // Sent already (a redelivery or a duplicate): their events end the job, and any continuation.
  const sent = new Map<string, AssignmentRecord>();
  for (const r of input.records)
    if (r.state === 'pending-revoke' && r.jobId === input.jobId && r.eventId) sent.set(r.eventId, r);
  if (attempt.receiveCount > 1 || attempt.resumed) {
    // A redelivery: the delivery that sent them may have died before scheduling their status poll.
    for (const [eventId, r] of sent) await pollEvent(deps, revokeEvent(r.orgId, eventId, r.updatedAt));
  }
  const records = input.records.filter(
    (r) => r.state === 'pending-revoke' && r.jobId === input.jobId && !r.eventId,
  );
  if (records.length === 0) return sent.size > 0 ? 'sent' : 'nothing';
  const account = await deps.accounts.get(input.accountId);
  if (!account) {
    await settleTasks(
      deps,
      undefined,
      records.map((record) => ({
        record,
        error: { code: 'account.not_found', errorMessage: 'The account was removed.' },
      })),
    );
    return 'nothing';
  }
  const serialNumbers = [
    ...new Set(records.filter((r) => r.subjectType === 'device').map((r) => r.subjectId)),
  ];
  const clientUserIds = [...new Set(records.filter((r) => r.subjectType === 'user').map((r) => r.subjectId))];
  try {
    await withAccountToken(deps, account, 'write', async (token) => {
      const submission = await deps.vpp.revokeAssets(token, { serialNumbers, clientUserIds });
      const now = deps.clock.now().toISOString();
      for (const event of submission.events) {
        const devices = new Set(event.request.serialNumbers ?? []);
        const users = new Set(event.request.clientUserIds ?? []);
        for (const record of records) {
          if (!(record.subjectType === 'device' ? devices : users).has(record.subjectId)) continue;
          const moved = next(record, 'send', now, { eventId: event.eventId, error: undefined });
          await deps.assignments.transition(moved.record, moved.from);
        }
        await pollEvent(deps, revokeEvent(account.orgId, event.eventId, now));
      }
      for (const { request, error } of submission.rejected) {
        if (onAppleFailure('revoke', error, attempt) === 'retry') {
          throw new RetryLaterError(
            `Apple did not take the revocation (${error.message}); it will be sent again.`,
          );
        }
        const devices = new Set(request.serialNumbers ?? []);
        const users = new Set(request.clientUserIds ?? []);
        const affected = records.filter((r) =>
          (r.subjectType === 'device' ? devices : users).has(r.subjectId),
        );
        await settleTasks(deps, undefined, appleFailureOutcomes(affected, error));
      }
    });
  } catch (error) {
    if (error instanceof RetryLaterError) throw error;
    if (isVppError(error) && onAppleFailure('revoke', error, attempt) === 'retry') {
      throw new RetryLaterError(
        `Apple is unavailable (${error.message}); the revocation will be sent again.`,
      );
    }
    // Neither Apple's answer nor a blocked account (our own write failed, perhaps after Apple took the
    // request): the message comes again, and its redelivery finds what was sent.
    if (!(error instanceof RuleViolationError) && !isVppError(error)) throw error;
    // Apple's failure as Apple's (a network error on the last delivery too); a blocked account as blocked.
    await settleTasks(
      deps,
      undefined,
      isVppError(error)
        ? appleFailureOutcomes(records, error)
        : records.map((record) => ({
            record,
            error: { code: 'account.blocked', errorMessage: error.message },
          })),
    );
  }
  return 'sent';
}

/** The device-removal job: its holdings in every account, one revoke per account. */
export async function reclaimDevice(
  deps: SubmitDeps,
  message: { orgId: string; jobId: string; serialNumber: string; resume?: boolean | undefined },
  attempt: { receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  await deps.jobs.start(message.jobId);
  const records = await deps.assignments.listBySubject(
    message.orgId,
    undefined,
    'device',
    message.serialNumber,
  );
  for (const accountId of new Set(records.map((r) => r.accountId))) {
    await revokeAll(
      deps,
      { accountId, jobId: message.jobId, records: records.filter((r) => r.accountId === accountId) },
      { ...attempt, resumed: message.resume === true },
    );
  }
}
