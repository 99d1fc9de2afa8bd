/**
 * The grants and revocations workers (SPEC §5.4, §5b): send one queue message's subjects to Apple and
 * leave the rest to Apple's answer.
 * 1. Only records still waiting for this job and not yet sent are sent (a duplicate delivery or a
 *    retried batch finds them sent and does nothing: no licence is ever assigned twice).
 * 2. A record this message claimed in an earlier delivery may have reached Apple (the worker died
 *    between Apple's answer and its own write, or the outcome was unknown): it is first checked against
 *    Apple's holdings: found (or, for a revocation, gone) means Apple took it; only the rest is sent again.
 *    A redelivery also schedules the status poll again for records already sent with an event id, in
 *    case the worker died before scheduling it and the notification is lost.
 * 3. Each accepted request's event id is written on its records, and a delayed message on the events
 *    queue polls the status if Apple's notification is late (Apple's cadence: first after 5 minutes).
 * 4. Apple's refusals settle the records as failed with Apple's number (a refusal for want of
 *    licences, 9709, re-reads the asset's counts first: ours were stale); throttling and outages retry
 *    the message; on the last attempt they settle as failed too, so the job always ends (the rules:
 *    `onAppleFailure`, calls `license-batch` and `license-read`).
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { inFlightState, next } from '../../domain/assignment-state.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import type { TokenGuardDeps } from '../accounts/token-guard.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { assetsToReread, checkDriftOf, rereadAssets } from '../apple-records.ts';
import { mapLimit } from '../concurrency.ts';
import { pollEvent } from '../event-polls.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { VppClient } from '../ports/vpp-client.ts';
import { isVppError, onAppleFailure, type VppApiError } from '../ports/vpp-errors.ts';
import { RetryLaterError } from '../retry-later.ts';
import type { LicenseDeps } from './request-licenses.ts';
import { STALLED_AFTER_MS } from './resume-stalled.ts';
import {
  appleFailureOutcomes,
  type SettleDeps,
  settleTasks,
  subjectLabel,
  type TaskOutcome,
} from './settle-event.ts';

export interface SubmitDeps extends LicenseDeps, SettleDeps, TokenGuardDeps {
  readonly vpp: VppClient;
  readonly settings: ServiceSettings;
}

const UNKNOWN = 'apple.outcome_unknown';

const subjectsOf = (records: readonly AssignmentRecord[]) => ({
  serialNumbers: records.filter((r) => r.subjectType === 'device').map((r) => r.subjectId),
  clientUserIds: records.filter((r) => r.subjectType === 'user').map((r) => r.subjectId),
});

/** The status poll of an event of this message's grant or revocation. */
const licenseEvent = (
  kind: 'grant' | 'revoke',
  message: ParsedQueueMessage<'grants'>,
  eventId: string,
  submittedAt: string,
) => ({
  orgId: message.orgId,
  accountId: message.accountId,
  eventId,
  eventType: kind === 'grant' ? ('ASSOCIATE' as const) : ('DISASSOCIATE' as const),
  jobId: message.jobId,
  submittedAt,
});

/**
 * A redelivery: the records this message already sent wait for their events; the delivery that sent
 * them may have died before scheduling the status poll, so schedule it again (a poll of an event that
 * has already ended finds nothing waiting and stops).
 */
async function pollAgain(
  deps: SubmitDeps,
  kind: 'grant' | 'revoke',
  message: ParsedQueueMessage<'grants'>,
  waiting: readonly AssignmentRecord[],
): Promise<void> {
  const events = new Map<string, string>();
  for (const r of waiting)
    if (r.eventId && !r.eventId.startsWith('claim:')) events.set(r.eventId, r.updatedAt);
  for (const [eventId, submittedAt] of events)
    await pollEvent(deps, licenseEvent(kind, message, eventId, submittedAt));
}

export async function submitLicenses(
  deps: SubmitDeps,
  kind: 'grant' | 'revoke',
  message: ParsedQueueMessage<'grants'>,
  attempt: { messageId: string; receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  const pendingState = inFlightState(kind);
  // This delivery's claim: a duplicate message (another id) finds the records claimed and stops; a
  // redelivery of this very message (a crash, a retry) takes its own claim again.
  const claimId = `claim:${attempt.messageId}`;
  const waiting = (
    await deps.assignments.getMany(
      message.accountId,
      message.subjects.map((s) => ({ ...message.asset, subjectType: s.type, subjectId: s.id })),
    )
  ).filter((r) => r.state === pendingState && r.jobId === message.jobId);
  if (attempt.receiveCount > 1 || message.resume) await pollAgain(deps, kind, message, waiting);
  // A resumed request also takes over the claims of deliveries that died: claims stamp the record,
  // so one older than the stall threshold is not a live delivery's.
  const stalledBefore = new Date(deps.clock.now().getTime() - STALLED_AFTER_MS).toISOString();
  const candidates = waiting.filter(
    (r) =>
      !r.eventId ||
      r.eventId === claimId ||
      (message.resume && r.eventId.startsWith('claim:') && r.updatedAt < stalledBefore),
  );
  // Claimed by an earlier delivery: it may have reached Apple.
  const maybeSent = new Set(candidates.filter((r) => r.eventId?.startsWith('claim:')).map(subjectLabel));
  const claimedAt = deps.clock.now().toISOString();
  const claimed = await mapLimit(candidates, 25, (record) =>
    deps.assignments.claim(record, claimId, claimedAt),
  );
  const records: AssignmentRecord[] = candidates
    .filter((_, i) => claimed[i])
    .map((record) => ({ ...record, eventId: claimId }));
  if (records.length === 0) return;

  const account = await deps.accounts.get(message.accountId);
  if (!account) {
    await settleTasks(
      deps,
      claimId,
      records.map((record) => ({
        record,
        error: {
          code: 'account.not_found',
          errorMessage: 'The account was removed before the request reached Apple.',
        },
      })),
    );
    return;
  }

  let toSend = records;
  // A failure Apple's answer calls for another delivery for (or, on the last, for the DLQ).
  let retry: { error: VppApiError; action: 'retry' | 'give-up' } | undefined;
  try {
    await withAccountToken(deps, account, 'write', async (token) => {
      // 2. Earlier sends with an unknown outcome: ask Apple what it holds before sending again.
      const unconfirmed = records.filter((r) => maybeSent.has(subjectLabel(r)));
      if (unconfirmed.length > 0) {
        const held = await deps.vpp.readAssignments(token, message.asset);
        const holds = new Set(
          held.items.map((a) => (a.serialNumber ? `device:${a.serialNumber}` : `user:${a.clientUserId}`)),
        );
        const done = unconfirmed.filter(
          (r) => holds.has(`${r.subjectType}:${r.subjectId}`) === (kind === 'grant'),
        );
        // Apple took them: its counts first, then the reservations back.
        if (done.length > 0) await rereadAssets(deps, account, token, [message.asset]);
        const { ended } = await settleTasks(
          deps,
          claimId,
          done.map((record) => ({ record })),
        );
        await checkDriftOf(deps, account, token, ended);
        const settled = new Set(done);
        toSend = records.filter((r) => !settled.has(r));
      }
      if (toSend.length === 0) return;

      // 1, 3. Send, then mark each record with its event and schedule a status poll.
      const request = { assets: [message.asset], ...subjectsOf(toSend) };
      const submission =
        kind === 'grant'
          ? await deps.vpp.associateAssets(token, request)
          : await deps.vpp.disassociateAssets(token, request);
      const bySubject = new Map(toSend.map((r) => [`${r.subjectType}:${r.subjectId}`, r]));
      const now = deps.clock.now().toISOString();
      for (const event of submission.events) {
        const inEvent = [
          ...(event.request.serialNumbers ?? []).map((s) => bySubject.get(`device:${s}`)),
          ...(event.request.clientUserIds ?? []).map((u) => bySubject.get(`user:${u}`)),
        ].filter((r): r is AssignmentRecord => r !== undefined);
        await mapLimit(inEvent, 25, (record) => {
          const moved = next(record, 'send', now, { eventId: event.eventId, error: undefined });
          return deps.assignments.transition(moved.record, moved.from);
        });
        await pollEvent(deps, licenseEvent(kind, message, event.eventId, now));
      }

      // 4. What Apple refused.
      const refusals: TaskOutcome[] = [];
      for (const { request: refused, error } of submission.rejected) {
        const affected = [
          ...(refused.serialNumbers ?? []).map((s) => bySubject.get(`device:${s}`)),
          ...(refused.clientUserIds ?? []).map((u) => bySubject.get(`user:${u}`)),
        ].filter((r): r is AssignmentRecord => r !== undefined);
        if (error.kind === 'outcome_unknown') {
          // Apple may have taken it: remember to check before any new send.
          for (const record of affected) {
            const moved = next(record, 'send', now, {
              eventId: claimId,
              error: { code: UNKNOWN, reason: error.message },
            });
            await deps.assignments.transition(moved.record, moved.from);
          }
        }
        const action = onAppleFailure('license-batch', error, attempt);
        if (action === 'settle') refusals.push(...appleFailureOutcomes(affected, error));
        else retry = { error, action };
      }
      // Refused for want of licences (9709): our counts were stale; read them once before giving back
      // the reservations.
      if (refusals.length > 0) {
        await rereadAssets(deps, account, token, assetsToReread(refusals));
        const { ended } = await settleTasks(deps, claimId, refusals);
        await checkDriftOf(deps, account, token, ended);
      }
      if (retry?.action === 'retry') {
        throw new RetryLaterError(
          `Apple did not take every request (${retry.error.message}); the rest will be sent again.`,
        );
      }
      if (retry) {
        // The last attempt: end what is still unsent as failed, so the job ends; the message goes to the DLQ too.
        const unsent = (
          await deps.assignments.getMany(
            account.id,
            toSend.map((r) => ({ ...message.asset, subjectType: r.subjectType, subjectId: r.subjectId })),
          )
        ).filter((r) => r.state === pendingState && r.eventId === claimId);
        await settleTasks(deps, claimId, appleFailureOutcomes(unsent, retry.error));
      }
    });
  } catch (error) {
    if (error instanceof RetryLaterError) throw error;
    // A blocked account or a token Apple refuses: nothing can be sent; the job says why.
    if (error instanceof RuleViolationError || (isVppError(error) && error.isTokenProblem)) {
      const reason = error instanceof Error ? error.message : 'The token cannot be used.';
      const failure =
        isVppError(error) && error.errorNumber !== undefined
          ? { errorNumber: error.errorNumber, errorMessage: reason }
          : { code: 'account.blocked', errorMessage: reason };
      await settleTasks(
        deps,
        claimId,
        toSend.map((record) => ({ record, error: failure })),
      );
      return;
    }
    // A read before the send failed (nothing was sent): the message comes again; once it is in the
    // DLQ, the stall sweep resumes its records.
    if (isVppError(error) && onAppleFailure('license-read', error, attempt) === 'retry') {
      throw new RetryLaterError(`Apple is unavailable (${error.message}); the request will be sent again.`, {
        cause: error,
      });
    }
    throw error;
  }
  if (retry) throw retry.error;
}
