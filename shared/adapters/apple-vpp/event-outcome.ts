/**
 * Reads Apple's event status into an outcome that tells complete, partly failed and failed apart.
 * Apple's `FAILED` does not mean nothing happened (14 of 16 tasks may be done), and whether `COMPLETE`
 * can carry failures is not documented, so the outcome is decided on the numbers: complete only when
 * every task is done and no failure is listed (reference §9.1). Whether failed tasks count in
 * `numCompleted` is not documented either, so an event whose failures name every task (asset ×
 * subject pairs, as many as were requested) is `failed` whatever `numCompleted` says.
 */
import type { EventFailure, EventOutcome } from '../../application/ports/vpp-client.ts';
import { appleError } from '../../application/ports/vpp-errors.ts';
import type { ResponseMeta, StatusResponse } from '../../application/ports/vpp-schemas.ts';

export function toEventOutcome(eventId: string, status: StatusResponse): EventOutcome {
  const failures: EventFailure[] = (status.failures ?? []).map((failure) => ({
    errorNumber: failure.errorNumber,
    errorMessage:
      failure.errorMessage ?? appleError(failure.errorNumber)?.message ?? 'Apple reported a failure.',
    kind: appleError(failure.errorNumber)?.kind ?? 'unexpected',
    assets: (failure.errorInfo?.assets ?? []).map((a) => ({
      adamId: a.adamId,
      pricingParam: a.pricingParam ?? 'STDQ',
    })),
    clientUserIds: failure.errorInfo?.clientUserIds ?? [],
    serialNumbers: failure.errorInfo?.serialNumbers ?? [],
  }));
  const meta: ResponseMeta = {
    uId: status.uId,
    tokenExpirationDate: status.tokenExpirationDate,
    mdmInfo: status.mdmInfo,
  };
  let state: EventOutcome['state'];
  if (status.eventStatus === 'PENDING') state = 'pending';
  else if (failures.length === 0 && status.numCompleted >= status.numRequested) state = 'complete';
  else if (status.numCompleted === 0 || failedTasks(failures) >= status.numRequested) state = 'failed';
  else state = 'partial';
  return {
    eventId,
    eventType: status.eventType,
    state,
    numRequested: status.numRequested,
    numCompleted: status.numCompleted,
    failures,
    meta,
  };
}

/**
 * How many distinct tasks (asset × subject) the failures name. A failure that names no subject names
 * no task (the numbers decide then); one that names subjects but no asset counts once per subject.
 */
function failedTasks(failures: readonly EventFailure[]): number {
  const tasks = new Set<string>();
  for (const failure of failures) {
    const subjects = [
      ...failure.serialNumbers.map((s) => `device:${s}`),
      ...failure.clientUserIds.map((u) => `user:${u}`),
    ];
    const assets =
      failure.assets.length > 0 ? failure.assets.map((a) => `${a.adamId}|${a.pricingParam}`) : ['*'];
    for (const asset of assets) for (const subject of subjects) tasks.add(`${asset}>${subject}`);
  }
  return tasks.size;
}
