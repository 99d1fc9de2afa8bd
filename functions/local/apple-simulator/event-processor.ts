/**
 * Runs one accepted event to its end (reference §9.1): every task, then the status Apple reports and
 * the notifications it sends.
 *
 * - `numCompleted` counts successful tasks only (Apple's 14-of-16 example suggests failed tasks are
 *   not counted); the event is `COMPLETE` when no task failed, else `FAILED` with `failures` grouped
 *   by error number, each naming the affected assets, users and devices in `errorInfo`.
 * - A maintenance fault (9644) fails every task of the event and changes nothing.
 * - Notifications: `SUCCESS` chunks of at most 100 elements, then per error number `FAILURE` chunks
 *   of at most 100 with that one `error`.
 */
import type { AssetKey, Assignment, ResponseUser } from '#application/ports/vpp-schemas.ts';
import { appleMessage } from './apple-error.ts';
import {
  type AssetTaskResult,
  assetEventTasks,
  runAssociate,
  runDisassociate,
  runRevoke,
} from './asset-tasks.ts';
import { LocationChange } from './change-set.ts';
import type { SimulatorContext } from './context.ts';
import { assignmentView } from './ledger.ts';
import type { EventRecord, LocationRecord, StatusFailure } from './state.ts';
import {
  runSubscriptionAssociate,
  runSubscriptionDisassociate,
  type SubscriptionTaskResult,
} from './subscriptions.ts';
import {
  runCreateUser,
  runRetireUser,
  runUpdateUser,
  type UserTaskResult,
  userTaskFailure,
} from './user-tasks.ts';

/** Apple sends at most this many elements per notification (reference §9.2). */
export const NOTIFICATION_CHUNK = 100;

/** Processes a pending event: tasks, final status, notifications. No-op unless pending. */
export function processEvent(ctx: SimulatorContext, event: EventRecord): void {
  if (event.eventStatus !== 'PENDING') return;
  const location = ctx.state.locations.get(event.locationId);
  if (!location) {
    event.eventStatus = 'FAILED';
    event.failures = [{ errorNumber: 9603, errorMessage: appleMessage(9603) }];
    return;
  }
  const eventFaults = ctx.faults.config.events ?? {};
  const maintenance = ctx.rng.chance(eventFaults.maintenanceProbability);
  // An injected fault fails a task before it runs, so the failed task changes nothing.
  const fault = (): number | undefined => {
    if (maintenance) return 9644;
    return ctx.rng.chance(eventFaults.taskFailureProbability) ? 9603 : undefined;
  };
  const change = new LocationChange(location);
  const payload = event.payload;

  if (payload.kind === 'users') {
    const organization = ctx.state.organizations.get(location.organizationId);
    const results: UserTaskResult[] = payload.users.map((user) => {
      const failed = fault();
      if (failed !== undefined) return userTaskFailure(change, user.clientUserId, failed);
      if (event.eventType === 'CREATE') return runCreateUser(change, organization, user);
      if (event.eventType === 'UPDATE') return runUpdateUser(change, organization, user);
      return runRetireUser(change, user);
    });
    finish(ctx, event, results.length - countFailed(results), userFailures(results));
    for (const users of chunks(successes(results).flatMap((r) => (r.user ? [r.user] : [])))) {
      ctx.notifier.enqueue(location, 'USER_MANAGEMENT', userNotification(event, 'SUCCESS', users));
    }
    for (const [errorNumber, failed] of byError(results)) {
      for (const part of chunks(failed)) {
        const users = part.flatMap((r) => (r.user ? [r.user] : []));
        const error = {
          errorNumber,
          errorMessage: appleMessage(errorNumber),
          errorInfo: { clientUserIds: part.map((r) => r.clientUserId) },
        };
        ctx.notifier.enqueue(location, 'USER_MANAGEMENT', {
          ...userNotification(event, 'FAILURE', users),
          error,
        });
      }
    }
  } else if (payload.kind === 'subscriptions') {
    processSubscriptionEvent(ctx, event, payload, location, fault);
  } else {
    const run =
      event.eventType === 'ASSOCIATE'
        ? runAssociate
        : event.eventType === 'DISASSOCIATE'
          ? runDisassociate
          : runRevoke;
    const results: AssetTaskResult[] = assetEventTasks(payload).map((task) => {
      const failed = fault();
      return failed === undefined ? run(change, task) : { assignment: assignmentView(task), error: failed };
    });
    finish(ctx, event, results.length - countFailed(results), assetFailures(results));
    for (const part of chunks(successes(results).map((r) => r.assignment))) {
      ctx.notifier.enqueue(location, 'ASSET_MANAGEMENT', assetNotification(event, 'SUCCESS', part));
    }
    for (const [errorNumber, failed] of byError(results)) {
      for (const part of chunks(failed.map((r) => r.assignment))) {
        const error = { errorNumber, errorMessage: appleMessage(errorNumber) };
        ctx.notifier.enqueue(location, 'ASSET_MANAGEMENT', {
          ...assetNotification(event, 'FAILURE', part),
          error,
        });
      }
    }
  }
  ctx.changed();
}

/**
 * A subscription event: one task per subscription × user. Failures name only users (U27); a deferred
 * disassociation completes now and is notified at the period's end (U17).
 */
function processSubscriptionEvent(
  ctx: SimulatorContext,
  event: EventRecord,
  payload: Extract<EventRecord['payload'], { kind: 'subscriptions' }>,
  location: LocationRecord,
  fault: () => number | undefined,
): void {
  const results: SubscriptionTaskResult[] = [];
  for (const adamId of payload.adamIds)
    for (const clientUserId of payload.clientUserIds) {
      const failed = fault();
      if (failed !== undefined)
        results.push({ assignment: { adamId, clientUserId, renewing: payload.renewing }, error: failed });
      else if (event.eventType === 'ASSOCIATE')
        results.push(runSubscriptionAssociate(location, adamId, clientUserId, payload.renewing));
      else
        results.push(
          runSubscriptionDisassociate(location, adamId, clientUserId, payload.deferred, event.eventId),
        );
    }
  const failures = [...byError(results)].map(([errorNumber, failed]) => ({
    errorNumber,
    errorMessage: appleMessage(errorNumber),
    errorInfo: {
      clientUserIds: unique(
        failed.map((r) => r.assignment.clientUserId),
        String,
      ),
    },
  }));
  finish(ctx, event, results.length - countFailed(results), failures);
  const notify = (result: 'SUCCESS' | 'FAILURE', assignments: SubscriptionTaskResult['assignment'][]) => ({
    type: event.eventType,
    result,
    eventId: event.eventId,
    assignments,
  });
  if (!(event.eventType === 'DISASSOCIATE' && payload.deferred))
    for (const part of chunks(successes(results).map((r) => r.assignment)))
      ctx.notifier.enqueue(location, 'SUBSCRIPTION_MANAGEMENT', notify('SUCCESS', part));
  for (const [errorNumber, failed] of byError(results))
    for (const part of chunks(failed.map((r) => r.assignment)))
      ctx.notifier.enqueue(location, 'SUBSCRIPTION_MANAGEMENT', {
        ...notify('FAILURE', part),
        error: { errorNumber, errorMessage: appleMessage(errorNumber) },
      });
}

function finish(
  ctx: SimulatorContext,
  event: EventRecord,
  completed: number,
  failures: StatusFailure[],
): void {
  event.numCompleted = completed;
  event.failures = failures;
  event.eventStatus = failures.length === 0 ? 'COMPLETE' : 'FAILED';
  event.completedAt = ctx.now().toISOString();
  ctx.log(
    `event ${event.eventType} ${event.eventId} ${event.eventStatus} ${completed}/${event.numRequested}`,
  );
}

function countFailed(results: readonly { error?: number }[]): number {
  return results.filter((r) => r.error !== undefined).length;
}

function successes<T extends { error?: number }>(results: readonly T[]): T[] {
  return results.filter((r) => r.error === undefined);
}

/** Failed results grouped by error number, in order of first appearance. */
function byError<T extends { error?: number }>(results: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const result of results) {
    if (result.error === undefined) continue;
    const group = groups.get(result.error) ?? [];
    group.push(result);
    groups.set(result.error, group);
  }
  return groups;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += NOTIFICATION_CHUNK) out.push(items.slice(i, i + NOTIFICATION_CHUNK));
  return out;
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function assetFailures(results: readonly AssetTaskResult[]): StatusFailure[] {
  return [...byError(results)].map(([errorNumber, failed]) => {
    const assignments = failed.map((r) => r.assignment);
    const assets: AssetKey[] = unique(
      assignments.map((a) => ({ adamId: a.adamId, pricingParam: a.pricingParam })),
      (a) => `${a.adamId}:${a.pricingParam}`,
    );
    const clientUserIds = unique(
      assignments.flatMap((a) => (a.clientUserId === undefined ? [] : [a.clientUserId])),
      String,
    );
    const serialNumbers = unique(
      assignments.flatMap((a) => (a.serialNumber === undefined ? [] : [a.serialNumber])),
      String,
    );
    return {
      errorNumber,
      errorMessage: appleMessage(errorNumber),
      errorInfo: {
        assets,
        ...(clientUserIds.length > 0 && { clientUserIds }),
        ...(serialNumbers.length > 0 && { serialNumbers }),
      },
    };
  });
}

function userFailures(results: readonly UserTaskResult[]): StatusFailure[] {
  return [...byError(results)].map(([errorNumber, failed]) => ({
    errorNumber,
    errorMessage: appleMessage(errorNumber),
    errorInfo: {
      clientUserIds: unique(
        failed.map((r) => r.clientUserId),
        String,
      ),
    },
  }));
}

function assetNotification(event: EventRecord, result: 'SUCCESS' | 'FAILURE', assignments: Assignment[]) {
  return { type: event.eventType, result, eventId: event.eventId, assignments };
}

function userNotification(event: EventRecord, result: 'SUCCESS' | 'FAILURE', users: ResponseUser[]) {
  return { type: event.eventType, result, eventId: event.eventId, users };
}
