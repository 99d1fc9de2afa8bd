/**
 * Applies one of Apple's notifications (SPEC §5.6), taken from the notifications queue. Every branch
 * is idempotent and order-independent: it moves records only from the state Apple's answer settles,
 * or re-reads the truth from Apple.
 * - ASSET_MANAGEMENT: re-reads the counts of each asset it names (a change done, ours or another
 *   tool's, or a refusal for want of licences), once per asset per batch, then settles the
 *   assignments waiting for that event, and moves the job on to its next step at once (a
 *   retirement's users whose licences are back go to `users/retire`). One that answers a batch whose
 *   worker has not written its records yet (Apple can answer before that write) is put back on the
 *   queue for a moment, a few times, then left to the status poll the worker schedules. A success for a holding the
 *   service does not know as in flight (made elsewhere, or settled already another way) is checked by
 *   re-reading that asset's assignments from Apple. The assets of the jobs it ended are checked for
 *   drift (`checkDriftOf`).
 * - ASSET_COUNT: re-reads the asset's counts from Apple (adding the delta would count twice when a
 *   notification comes late or twice).
 * - Either one, when the re-read shows more licences available for an asset whose deployment assigns
 *   by itself, asks for a reconciliation (licences bought reach who waits without the hourly run).
 * - USER_MANAGEMENT, USER_ASSOCIATED: move user states (registered users get their invitation code,
 *   accepted ones become Associated).
 */
import type { Account } from '../../domain/account.ts';
import { assetKeyOf } from '../../domain/asset.ts';
import { IN_FLIGHT } from '../../domain/assignment.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/principal.ts';
import type { Secret } from '../../domain/secret.ts';
import { withAccountToken } from '../accounts/token-guard.ts';
import {
  assetsToReread,
  type BatchReads,
  batchReads,
  checkDriftOf,
  rereadAssets,
  resyncAssetAssignments,
  subjectOfApple,
} from '../apple-records.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { reconcileWhenLicensesArrive } from '../deployments/manage-deployments.ts';
import { QueuedSubjects } from '../licenses/queued-subjects.ts';
import { type SettleDeps, settleTasks } from '../licenses/settle-event.ts';
import type { SubmitDeps } from '../licenses/submit-licenses.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Delivery } from '../ports/vpp-errors.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import { type AppleNotification, type AssetKey, NotificationSchema } from '../ports/vpp-schemas.ts';
import type { SyncDeps } from '../sync/sync-account.ts';
import { applyAppleUsers, failUsers, type UserEventDeps } from '../users/apply-apple-users.ts';
import { retireAfterRevocation } from '../users/retirements.ts';

export interface NotificationWorkerDeps extends SyncDeps, SettleDeps, UserEventDeps, SubmitDeps {
  readonly audit: AuditLog;
}

const APPLE: Actor = { type: 'apple', id: 'notification' };

/**
 * A notification that came before the worker wrote the records it answers comes back after this
 * long, at most this many times (a minute); after that the worker's status poll settles them.
 */
export const NOTIFICATION_DEFER_SECONDS = 2;
export const MAX_NOTIFICATION_DEFERRALS = 30;

/**
 * Reads from Apple with the account's token, unless the token cannot be used (missing, or refused by
 * Apple: the account says so already); any other failure is passed on, so the message comes again.
 */
async function withReadToken<T>(
  deps: NotificationWorkerDeps,
  account: Account,
  read: (token: Secret) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await withAccountToken(deps, account, 'read', read);
  } catch (error) {
    if (error instanceof RuleViolationError || (isVppError(error) && error.isTokenProblem)) return undefined;
    throw error;
  }
}

/** Re-reads the counts of `assets` from Apple (`withReadToken`). */
async function rereadCounts(
  deps: NotificationWorkerDeps,
  account: Account,
  assets: readonly AssetKey[],
  batch: BatchReads,
) {
  if (assets.length === 0) return [];
  const rereads = await withReadToken(deps, account, (token) =>
    rereadAssets(deps, account, token, assets, batch),
  );
  if (!rereads) return [];
  await reconcileWhenLicensesArrive(deps, account, rereads);
  return rereads;
}

async function applyAssetManagement(
  deps: NotificationWorkerDeps,
  account: Account,
  n: Extract<AppleNotification, { notificationType: 'ASSET_MANAGEMENT' }>['notification'],
  delivery: Delivery,
  batch: BatchReads,
  early: { readonly deferrals: number; readonly putBack: () => Promise<void> },
): Promise<void> {
  // Apple has changed who holds these assets (or refused for want of licences): their counts first,
  // then the reservations given back, so nothing is promised that Apple no longer has.
  const failure = n.result === 'FAILURE' ? { errorNumber: n.error?.errorNumber ?? 9603 } : undefined;
  // Read when it first came (a notification put back finds them read already).
  if (early.deferrals === 0)
    await rereadCounts(
      deps,
      account,
      assetsToReread(n.assignments.map((item) => ({ record: item, error: failure }))),
      batch,
    );
  const outcomes = [];
  const unexplained = new Map<string, AssetKey>();
  const queuedOf = new Map<string, QueuedSubjects>();
  let answersQueued = false;
  for (const item of n.assignments) {
    const subject = subjectOfApple(item);
    const record = await deps.assignments.get(
      account.id,
      item.adamId,
      item.pricingParam,
      subject.subjectType,
      subject.subjectId,
    );
    if (record && record.eventId === n.eventId && IN_FLIGHT.has(record.state)) {
      outcomes.push({
        record,
        ...(n.result === 'FAILURE'
          ? { error: { errorNumber: n.error?.errorNumber ?? 9603, errorMessage: n.error?.errorMessage } }
          : {}),
      });
      continue;
    }
    // A subject of a batch not closed yet: its worker writes the record with this event in a moment.
    const key = assetKeyOf(item);
    const queued = queuedOf.get(key) ?? (await QueuedSubjects.of(deps.jobs, account.id, item));
    queuedOf.set(key, queued);
    if (queued.has(subject.subjectType, subject.subjectId)) {
      answersQueued = true;
      continue;
    }
    // Already settled this way (a repeated or late notification): nothing to do.
    const success = n.result === 'SUCCESS';
    const expected = n.type === 'ASSOCIATE' ? 'granted' : 'revoked';
    if (success && record?.state === expected) continue;
    if (!success) continue;
    unexplained.set(assetKeyOf(item), { adamId: item.adamId, pricingParam: item.pricingParam });
  }
  const settled = await settleTasks(deps, n.eventId, outcomes);
  if (answersQueued) await early.putBack();
  // The next step of a retirement moves on now, not at the status poll (which stays the fallback).
  if (n.type === 'REVOKE')
    await retireAfterRevocation(
      deps,
      account.id,
      outcomes.map((o) => o.record),
      delivery,
    );
  if (unexplained.size > 0) {
    await withAccountToken(deps, account, 'read', async (token) => {
      for (const asset of unexplained.values()) await resyncAssetAssignments(deps, account, token, asset);
    });
  }
  // The jobs this answer ended: their assets are checked for drift (nothing read when counts agree).
  if (settled.ended.length > 0)
    await withReadToken(deps, account, (token) => checkDriftOf(deps, account, token, settled.ended));
}

async function applyAssetCount(
  deps: NotificationWorkerDeps,
  account: Account,
  asset: AssetKey,
  batch: BatchReads,
): Promise<void> {
  const [reread] = await withAccountToken(deps, account, 'read', (token) =>
    rereadAssets(deps, account, token, [asset], batch),
  );
  if (!reread?.changed || !reread.after) return;
  // Licences bought reach who is waiting for them now, not at the hourly run.
  await reconcileWhenLicensesArrive(deps, account, [reread]);
  const trail = auditTrail(deps, account.orgId, APPLE);
  await trail.asset(account.id, asset.adamId, 'asset.counts_changed', 'succeeded', {
    pricingParam: asset.pricingParam,
    totalCount: reread.after.totalCount,
    availableCount: reread.after.availableCount,
  });
}

/**
 * Applies one notification. `delivery`: the notifications queue's message (default: a single
 * delivery, outside a queue), with its batch's reads: each asset's counts are read from Apple once
 * per batch, whatever the number of notifications and subjects naming it.
 */
export async function applyAppleNotification(
  deps: NotificationWorkerDeps,
  accountId: string,
  raw: unknown,
  delivery: Delivery & { readonly batch?: BatchReads } = { receiveCount: 1, maxReceiveCount: 1 },
  deferrals = 0,
): Promise<'applied' | 'ignored'> {
  const account = await deps.accounts.get(accountId);
  const parsed = NotificationSchema.safeParse(raw);
  if (!account || !parsed.success) return 'ignored';
  const batch = delivery.batch ?? batchReads();
  const envelope = parsed.data;
  switch (envelope.notificationType) {
    case 'ASSET_MANAGEMENT':
      await applyAssetManagement(deps, account, envelope.notification, delivery, batch, {
        deferrals,
        putBack: async () => {
          if (deferrals >= MAX_NOTIFICATION_DEFERRALS) return;
          await deps.queue.send(
            'notifications',
            {
              accountId,
              receivedAt: deps.clock.now().toISOString(),
              notification: raw,
              deferrals: deferrals + 1,
            },
            { delaySeconds: NOTIFICATION_DEFER_SECONDS },
          );
        },
      });
      return 'applied';
    case 'ASSET_COUNT':
      await applyAssetCount(deps, account, envelope.notification, batch);
      return 'applied';
    case 'USER_MANAGEMENT': {
      const n = envelope.notification;
      if (n.result === 'SUCCESS') await applyAppleUsers(deps, account, n.users);
      else {
        const failed = n.error?.errorInfo?.clientUserIds ?? n.users.map((u) => u.clientUserId);
        await failUsers(
          deps,
          account,
          failed,
          n.error ?? { errorNumber: 9603, errorMessage: 'Apple refused the request.' },
        );
      }
      return 'applied';
    }
    case 'USER_ASSOCIATED':
      await applyAppleUsers(deps, account, envelope.notification.associatedUsers, 'user.associated');
      return 'applied';
    default:
      return 'ignored';
  }
}
