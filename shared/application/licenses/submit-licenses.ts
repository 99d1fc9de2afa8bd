/**
 * The grants and revocations workers (SPEC §5.4, §5b): send one batch of a job to Apple and leave the
 * rest to Apple's answer. Each subject costs one write here (its record, with Apple's event) and one
 * when Apple's answer settles it; the batch costs two (claimed, closed).
 * 1. The delivery claims the batch first: a duplicate finds it claimed by another live delivery and
 *    stops; a redelivery of this message takes its claim again; a closed batch is done.
 * 2. Each subject is looked at as it is now: one this job already moved is left (sent: its event is
 *    polled again on a redelivery; settled: done); one another request holds (in flight, or already
 *    holding the asset, or, for a revocation, not holding it) is refused: it fails in the job, and a
 *    grant gives its reservation back; the rest are sent.
 * 3. A batch claimed before (a delivery died, or Apple's answer was lost) may have reached Apple: what
 *    is left to send is first checked against Apple's holdings; what Apple holds (or, for a revocation,
 *    no longer holds) settles as done, and only the rest is sent again. Nothing is sent twice.
 * 4. Each record is written once Apple has answered, with Apple's event id, from the state it was read
 *    in (one that changed meanwhile is refused), and a delayed message on the events queue polls the
 *    status if Apple's notification is late (Apple's cadence: first after 5 minutes).
 * 5. Apple's refusals settle as failed with Apple's number (a refusal for want of licences, 9709,
 *    re-reads the asset's counts first: ours were stale); throttling and outages retry the message; on
 *    the last attempt they settle as failed too, so the job always ends (the rules: `onAppleFailure`,
 *    calls `license-batch` and `license-read`).
 * 6. The batch is closed with its events and its refused subjects, counted once in the job.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { IN_FLIGHT } from '../../domain/assignment.ts';
import { canMove, inFlightState, next, requested } from '../../domain/assignment-state.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import type { JobBatch, JobFailure } from '../../domain/job.ts';
import type { TokenGuardDeps } from '../accounts/token-guard.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import { assetsToReread, checkDriftOf, rereadAssets } from '../apple-records.ts';
import { pollEvent } from '../event-polls.ts';
import type { ParsedQueueMessage, SubjectRef } from '../messages.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { VppClient } from '../ports/vpp-client.ts';
import { isVppError, onAppleFailure, type VppApiError } from '../ports/vpp-errors.ts';
import type { AssetKey } from '../ports/vpp-schemas.ts';
import { RetryLaterError } from '../retry-later.ts';
import type { LicenseDeps } from './request-licenses.ts';
import { STALLED_AFTER_MS } from './resume-stalled.ts';
import { type SettleDeps, settleTasks, subjectLabel, type TaskOutcome } from './settle-event.ts';

export interface SubmitDeps extends LicenseDeps, SettleDeps, TokenGuardDeps {
  readonly vpp: VppClient;
  readonly settings: ServiceSettings;
}

/** A subject to send, with its record as it was read (none: it has none yet). */
interface Candidate {
  readonly subject: SubjectRef;
  readonly record: AssignmentRecord | undefined;
}

type Failure = NonNullable<TaskOutcome['error']>;

const labelOf = (s: SubjectRef) => `${s.type}:${s.id}`;

const subjectsOf = (candidates: readonly Candidate[]) => ({
  serialNumbers: candidates.filter((c) => c.subject.type === 'device').map((c) => c.subject.id),
  clientUserIds: candidates.filter((c) => c.subject.type === 'user').map((c) => c.subject.id),
});

/** The status poll of an event of this batch. */
const licenseEvent = (batch: JobBatch, eventId: string, submittedAt: string) => ({
  orgId: batch.orgId,
  accountId: batch.accountId,
  eventId,
  eventType: batch.kind === 'grant' ? ('ASSOCIATE' as const) : ('DISASSOCIATE' as const),
  jobId: batch.jobId,
  submittedAt,
});

/** Why a subject another request holds cannot be sent. */
function refusal(
  kind: 'grant' | 'revoke',
  subject: SubjectRef,
  record: AssignmentRecord | undefined,
): JobFailure {
  const state = record?.state;
  if (state && IN_FLIGHT.has(state))
    return {
      subject: labelOf(subject),
      code: 'assignment.in_flight',
      reason: 'Another request for this subject was still in progress at Apple.',
    };
  return kind === 'grant'
    ? {
        subject: labelOf(subject),
        code: 'license.already_assigned',
        reason: 'The subject already held this asset when the request was sent (another request granted it).',
      }
    : {
        subject: labelOf(subject),
        code: 'license.not_assigned',
        reason: 'The subject no longer held this asset when the request was sent.',
      };
}

/** Whether a subject's record already shows what the request asks: the asset held, or taken back. */
const asAsked = (kind: 'grant' | 'revoke', record: AssignmentRecord | undefined) =>
  kind === 'grant'
    ? record?.state === 'granted'
    : !record || record.state === 'revoked' || record.state === 'failed';

/** A record's write as this batch sends it (or settles it without sending): in flight, marked `eventId`. */
function sendMove(batch: JobBatch, candidate: Candidate, eventId: string, at: string) {
  const { record, subject } = candidate;
  if (record && IN_FLIGHT.has(record.state)) {
    const moved = next(record, 'send', at, { eventId, error: undefined });
    return { next: moved.record, from: moved.from };
  }
  const moved = requested(batch.kind, {
    orgId: batch.orgId,
    accountId: batch.accountId,
    adamId: batch.asset.adamId,
    pricingParam: batch.asset.pricingParam,
    subjectType: subject.type,
    subjectId: subject.id,
    source: batch.source,
    jobId: batch.jobId,
    eventId,
    createdAt: at,
    updatedAt: at,
  });
  return { next: moved.record, from: record ? [record.state] : (['absent'] as const) };
}

/** What one delivery of a batch found and did, until it closes the batch. */
class Delivery {
  readonly refused: JobFailure[] = [];
  /** Subjects Apple holds as asked whose records another writer moved there first. */
  completed = 0;
  readonly eventIds = new Set<string>();
  readonly ended = new Map<string, AssetKey>();

  constructor(
    readonly deps: SubmitDeps,
    readonly batch: JobBatch,
    readonly claimId: string,
  ) {}

  /**
   * Settles candidates without sending them (Apple already did it, or refused it, or nothing can be
   * sent): each is first written in flight under this claim (one with a record in flight already
   * keeps its own), then settled with its outcome. One whose record changed meanwhile is refused.
   */
  async settle(items: readonly { candidate: Candidate; error?: Failure | undefined }[]): Promise<void> {
    if (items.length === 0) return;
    const { deps, batch, claimId } = this;
    const now = deps.clock.now().toISOString();
    const fresh = items.filter(
      ({ candidate }) => !candidate.record || !IN_FLIGHT.has(candidate.record.state),
    );
    const moves = fresh.map(({ candidate }) => sendMove(batch, candidate, claimId, now));
    const landed = await deps.assignments.transitionMany(moves);
    const outcomes = new Map<string | undefined, TaskOutcome[]>();
    const add = (record: AssignmentRecord, error: Failure | undefined) =>
      outcomes.set(record.eventId, [
        ...(outcomes.get(record.eventId) ?? []),
        { record, ...(error ? { error } : {}) },
      ]);
    fresh.forEach(({ candidate, error }, i) => {
      const move = moves[i];
      if (landed[i] && move) add(move.next, error);
      else this.refused.push(refusal(batch.kind, candidate.subject, candidate.record));
    });
    for (const { candidate, error } of items)
      if (candidate.record && IN_FLIGHT.has(candidate.record.state)) add(candidate.record, error);
    for (const [eventId, list] of outcomes) {
      const { ended } = await settleTasks(deps, eventId, list);
      for (const asset of ended) this.ended.set(`${asset.adamId}|${asset.pricingParam}`, asset);
    }
  }

  /** Closes the batch: its events, and its refused subjects counted once in the job. */
  async close(): Promise<void> {
    const { deps, batch, claimId } = this;
    if (this.refused.length > 0) await deps.jobs.putFailures(batch.jobId, this.refused);
    const closed = await deps.settlements.closeBatch({
      jobId: batch.jobId,
      index: batch.index,
      claimId,
      eventIds: [...this.eventIds],
      refused: this.refused.length,
      completed: this.completed,
      ...(batch.kind === 'grant' ? { unreserve: { accountId: batch.accountId, ...batch.asset } } : {}),
    });
    if (closed && this.refused.length + this.completed > 0) await deps.jobs.moveOn(batch.jobId);
  }
}

export async function submitLicenses(
  deps: SubmitDeps,
  kind: 'grant' | 'revoke',
  message: ParsedQueueMessage<'grants'>,
  attempt: { messageId: string; receiveCount: number; maxReceiveCount: number },
): Promise<void> {
  // 1. This delivery's claim on the batch (a resumed one takes over a claim older than the stall threshold).
  const claimId = `claim:${attempt.messageId}`;
  const now = deps.clock.now();
  const stalledBefore = new Date(now.getTime() - STALLED_AFTER_MS).toISOString();
  const taken = await deps.jobs.takeBatch(
    message.jobId,
    message.batch,
    { id: claimId, at: now.toISOString() },
    { takeOverBefore: message.resume ? stalledBefore : undefined },
  );
  if (!taken.taken) return;
  const batch = taken.batch;
  if (batch.kind !== kind) throw new Error(`Batch ${batch.index} of job ${batch.jobId} is a ${batch.kind}.`);
  const delivery = new Delivery(deps, batch, claimId);
  const pendingState = inFlightState(kind);

  // Claimed before (step 3): what is left may have reached Apple.
  const maybeSent = batch.claim !== undefined;

  // 2. Each subject as it is now.
  const found = new Map(
    (
      await deps.assignments.getMany(
        batch.accountId,
        batch.subjects.map((s) => ({ ...batch.asset, subjectType: s.type, subjectId: s.id })),
      )
    ).map((r) => [subjectLabel(r), r]),
  );
  let candidates: Candidate[] = [];
  const sent = new Map<string, string>();
  for (const subject of batch.subjects) {
    const record = found.get(labelOf(subject));
    if (record?.jobId === batch.jobId) {
      if (record.state !== pendingState) continue; // settled
      if (record.eventId && !record.eventId.startsWith('claim:')) {
        sent.set(record.eventId, record.updatedAt);
        continue;
      }
      candidates.push({ subject, record }); // in flight under a claim: it may be at Apple
    } else if (canMove(record?.state, kind)) candidates.push({ subject, record });
    // Where it was asked to be, by another writer: after a send that may have reached Apple, ours.
    else if (maybeSent && asAsked(kind, record)) delivery.completed++;
    else delivery.refused.push(refusal(kind, subject, record));
  }
  // A delivery that sent them may have died before scheduling the status polls.
  for (const [eventId, submittedAt] of sent) {
    delivery.eventIds.add(eventId);
    await pollEvent(deps, licenseEvent(batch, eventId, submittedAt));
  }
  const account = await deps.accounts.get(batch.accountId);
  if (!account) {
    await delivery.settle(
      candidates.map((candidate) => ({
        candidate,
        error: {
          code: 'account.not_found',
          errorMessage: 'The account was removed before the request reached Apple.',
        },
      })),
    );
    await delivery.close();
    return;
  }

  // A failure Apple's answer calls for another delivery for (or, on the last, for the DLQ).
  let retry: { error: VppApiError; action: 'retry' | 'give-up'; affected: Candidate[] } | undefined;
  try {
    await withAccountToken(deps, account, 'write', async (token) => {
      if (maybeSent && candidates.length > 0) {
        const held = await deps.vpp.readAssignments(token, batch.asset);
        const holds = new Set(
          held.items.map((a) => (a.serialNumber ? `device:${a.serialNumber}` : `user:${a.clientUserId}`)),
        );
        const done = candidates.filter((c) => holds.has(labelOf(c.subject)) === (kind === 'grant'));
        // Apple took them: its counts first, then the reservations back.
        if (done.length > 0) {
          await rereadAssets(deps, account, token, [batch.asset]);
          await delivery.settle(done.map((candidate) => ({ candidate })));
        }
        const settled = new Set(done);
        candidates = candidates.filter((c) => !settled.has(c));
      }
      if (candidates.length === 0) return;

      // 4. Send, then write each record with its event and schedule a status poll.
      const request = { assets: [batch.asset], ...subjectsOf(candidates) };
      const submission =
        kind === 'grant'
          ? await deps.vpp.associateAssets(token, request)
          : await deps.vpp.disassociateAssets(token, request);
      const byLabel = new Map(candidates.map((c) => [labelOf(c.subject), c]));
      const named = (r: { serialNumbers?: readonly string[]; clientUserIds?: readonly string[] }) =>
        [
          ...(r.serialNumbers ?? []).map((s) => byLabel.get(`device:${s}`)),
          ...(r.clientUserIds ?? []).map((u) => byLabel.get(`user:${u}`)),
        ].filter((c): c is Candidate => c !== undefined);
      const at = deps.clock.now().toISOString();
      for (const event of submission.events) {
        const inEvent = named(event.request);
        const landed = await deps.assignments.transitionMany(
          inEvent.map((c) => sendMove(batch, c, event.eventId, at)),
        );
        // Apple has them, but another writer moved their records since they were read: theirs stand
        // (a sync that read Apple's holdings in between wrote what our request did).
        const lost = inEvent.filter((_, i) => !landed[i]);
        if (lost.length > 0) {
          const now = new Map(
            (
              await deps.assignments.getMany(
                batch.accountId,
                lost.map((c) => ({ ...batch.asset, subjectType: c.subject.type, subjectId: c.subject.id })),
              )
            ).map((r) => [subjectLabel(r), r]),
          );
          for (const c of lost) {
            const record = now.get(labelOf(c.subject));
            if (asAsked(kind, record)) delivery.completed++;
            else delivery.refused.push(refusal(kind, c.subject, record));
          }
        }
        delivery.eventIds.add(event.eventId);
        await pollEvent(deps, licenseEvent(batch, event.eventId, at));
      }

      // 5. What Apple refused; an unknown outcome is left under the claim, for the redelivery to ask Apple.
      const refusals: { candidate: Candidate; error: Failure }[] = [];
      for (const { request: refused, error } of submission.rejected) {
        const affected = named(refused);
        const action = onAppleFailure('license-batch', error, attempt);
        const failure = { errorNumber: error.errorNumber ?? 9603, errorMessage: error.message };
        if (action === 'settle')
          refusals.push(...affected.map((candidate) => ({ candidate, error: failure })));
        else retry = { error, action, affected: [...(retry?.affected ?? []), ...affected] };
      }
      // Refused for want of licences (9709): our counts were stale; read them once before giving back
      // the reservations.
      if (refusals.length > 0) {
        const reread = assetsToReread(refusals.map(({ error }) => ({ record: batch.asset, error })));
        await rereadAssets(deps, account, token, reread);
        await delivery.settle(refusals);
      }
      if (retry?.action === 'retry') {
        throw new RetryLaterError(
          `Apple did not take every request (${retry.error.message}); the rest will be sent again.`,
        );
      }
      // The last attempt: end what is still unsent as failed, so the job ends; the message goes to the DLQ too.
      if (retry) {
        const failure = { errorNumber: retry.error.errorNumber ?? 9603, errorMessage: retry.error.message };
        await delivery.settle(retry.affected.map((candidate) => ({ candidate, error: failure })));
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
      await delivery.settle(candidates.map((candidate) => ({ candidate, error: failure })));
      await delivery.close();
      return;
    }
    // A read before the send failed (nothing was sent): the message comes again; once it is in the
    // DLQ, the stall sweep sends the batch again.
    if (isVppError(error) && onAppleFailure('license-read', error, attempt) === 'retry') {
      throw new RetryLaterError(`Apple is unavailable (${error.message}); the request will be sent again.`, {
        cause: error,
      });
    }
    throw error;
  }
  // 6. Close, then check the assets of the jobs the settlements ended.
  await delivery.close();
  if (delivery.ended.size > 0) {
    await withAccountToken(deps, account, 'read', (token) =>
      checkDriftOf(deps, account, token, [...delivery.ended.values()]),
    );
  }
  if (retry) throw retry.error;
}
