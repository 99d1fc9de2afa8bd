/**
 * The events worker (SPEC §5.4, §5b): follows an Apple event to its end when the notification is late
 * or lost, without waiting inside a call. Each message is one status read; while Apple says PENDING the
 * message comes back after the poll interval (Apple: at most every 30 s), and after 10 minutes the
 * event is given up as failed (Apple's advice is to send the request again).
 * - Nothing left waiting for the event (the notification settled it): done.
 * - COMPLETE / FAILED: each waiting record settles from Apple's failures (a failure without subjects
 *   covers every record); the rest succeeded.
 * - Apple no longer knows the event (9708): the holdings are re-read and settle as they are.
 * The counts of the assets it changed (or refused for want of licences) are re-read first
 * (`rereadAssets`, once per asset per batch), then the reservations given back; the assets of the jobs
 * that ended are checked for drift (`checkDriftOf`).
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { assetsToReread, type BatchReads, checkDriftOf, rereadAssets } from '../apple-records.ts';
import { pollEventAgain } from '../event-polls.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import type { EventOutcome } from '../ports/vpp-client.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import { settleTasks, type TaskOutcome } from './settle-event.ts';
import type { SubmitDeps } from './submit-licenses.ts';

/** Apple: "if still PENDING after 10 minutes, retry the request". */
export const EVENT_GIVE_UP_MS = 10 * 60 * 1000;

export type EventMessage = ParsedQueueMessage<'events'>;

/** Which waiting records a finished event failed, from Apple's failures. */
export function outcomesOf(records: readonly AssignmentRecord[], outcome: EventOutcome): TaskOutcome[] {
  return records.map((record) => {
    const failure = outcome.failures.find((f) => {
      const assetMatches =
        f.assets.length === 0 ||
        f.assets.some((a) => a.adamId === record.adamId && a.pricingParam === record.pricingParam);
      const named = f.serialNumbers.length + f.clientUserIds.length > 0;
      const subjectMatches =
        !named ||
        (record.subjectType === 'device'
          ? f.serialNumbers.includes(record.subjectId)
          : f.clientUserIds.includes(record.subjectId));
      return assetMatches && subjectMatches;
    });
    // An event that failed with nothing completed and no failure naming subjects failed for all.
    if (!failure && outcome.state === 'failed' && outcome.failures.length === 0) {
      return {
        record,
        error: { errorNumber: 9603, errorMessage: 'Apple reported the event as failed without details.' },
      };
    }
    return failure
      ? { record, error: { errorNumber: failure.errorNumber, errorMessage: failure.errorMessage } }
      : { record };
  });
}

/** What to do once the event has ended: Apple's users/retire for a retirement whose licences are back. */
export type Continuation = (message: EventMessage) => Promise<void>;

export async function followAssetEvent(
  deps: SubmitDeps,
  message: EventMessage,
  afterwards?: Continuation,
  batch?: BatchReads,
): Promise<void> {
  const ended = await lookOnce(deps, message, batch);
  if (ended && message.afterwards && afterwards) await afterwards(message);
}

const failAll = (records: readonly AssignmentRecord[], code: string, errorMessage: string): TaskOutcome[] =>
  records.map((record) => ({ record, error: { code, errorMessage } }));

/** One look at the event; true when it has ended (settled now, or before by a notification). */
async function lookOnce(deps: SubmitDeps, message: EventMessage, batch?: BatchReads): Promise<boolean> {
  const waiting = await deps.assignments.listByEvent(message.eventId);
  if (waiting.length === 0) return true;
  const account = await deps.accounts.get(message.accountId);
  if (!account) {
    await settleTasks(
      deps,
      message.eventId,
      failAll(waiting, 'account.not_found', 'The account was removed.'),
    );
    return true;
  }
  return withAccountToken(deps, account, 'read', async (token): Promise<boolean> => {
    let outcome: EventOutcome;
    try {
      outcome = await deps.vpp.eventStatus(token, message.eventId);
    } catch (error) {
      if (!isVppError(error, 'event_not_found')) throw error;
      // Apple forgot the event: what it holds now is the answer.
      const outcomes: TaskOutcome[] = [];
      for (const key of new Set(waiting.map((r) => `${r.adamId}|${r.pricingParam}`))) {
        const [adamId = '', pricingParam = 'STDQ'] = key.split('|');
        const held = await deps.vpp.readAssignments(token, {
          adamId,
          pricingParam: pricingParam as 'STDQ' | 'PLUS',
        });
        const holds = new Set(
          held.items.map((a) => (a.serialNumber ? `device:${a.serialNumber}` : `user:${a.clientUserId}`)),
        );
        for (const record of waiting.filter((r) => r.adamId === adamId && r.pricingParam === pricingParam)) {
          const taken =
            holds.has(`${record.subjectType}:${record.subjectId}`) === (record.state === 'pending-grant');
          outcomes.push(
            taken
              ? { record }
              : (failAll(
                  [record],
                  'apple.event_lost',
                  'Apple lost track of the request and did not apply it: send it again.',
                )[0] as TaskOutcome),
          );
        }
      }
      await rereadAssets(deps, account, token, assetsToReread(outcomes), batch);
      const { ended } = await settleTasks(deps, message.eventId, outcomes);
      await checkDriftOf(deps, account, token, ended);
      return true;
    }
    if (outcome.state === 'pending') {
      if (deps.clock.now().getTime() - new Date(message.submittedAt).getTime() < EVENT_GIVE_UP_MS) {
        await pollEventAgain(deps, message);
        return false;
      }
      await settleTasks(
        deps,
        message.eventId,
        failAll(
          waiting,
          'apple.event_timeout',
          'Apple did not finish the request within 10 minutes: send it again.',
        ),
      );
      return true;
    }
    const outcomes = outcomesOf(waiting, outcome);
    await rereadAssets(deps, account, token, assetsToReread(outcomes), batch);
    const { ended } = await settleTasks(deps, message.eventId, outcomes);
    await checkDriftOf(deps, account, token, ended);
    return true;
  });
}
