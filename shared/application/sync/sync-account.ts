/**
 * Syncs one account with Apple (SPEC §5.3): users, then assets, then assignments.
 * 1. Users and assignments are read incrementally from the last `versionId`; a full pass runs when
 *    asked, weekly, or when Apple no longer knows the version (9721). Users are read page by page
 *    (`syncUsers`: one batched read of ours per page, memory of one page plus 8 bytes per active user
 *    seen); assignments are still read whole (issue 16: paging them, checkpoints and continuations
 *    are the next step, with `KeySet` and `pageByAccount` for the removals).
 * 2. Apple is the source of truth for who holds what: a holding found at Apple is recorded (source
 *    `apple`), and in a full pass a holding Apple no longer has is marked revoked. Operations in flight
 *    (`pending-grant`, `pending-revoke`) are never touched: only Apple's answer to them settles them.
 * 2a. Every sync, full or not, then checks each asset for drift (`checkDrift`): one with nothing in
 *    flight whose `assignedCount` at Apple differs from the holders we record (`holderCount`, kept by
 *    the sync's writes, counted afresh by a full pass) has its holders re-read from Apple and repaired
 *    both ways (`assignments.reread` in the report). Assets whose counts agree cost nothing.
 * 3. Every record is written only when something in it changed; new assets get their name and icon
 *    from Apple's content metadata lookup. The account's sync record (versions, time, counts) is the
 *    only write of a sync with nothing new.
 * 4. A full pass whose read was not stable (Apple's data kept changing) marks nothing as gone and does
 *    not count as the weekly full pass: the next sync runs full again.
 * 5. A user status Apple changed is audited (actor Apple), as the notifications do.
 * 6. Assets whose counts break Apple's invariant (assigned + available ≠ total, not unlimited) are
 *    kept as Apple said them and listed in the drift report (`assets.countsInconsistent`).
 * Returns the drift found; Apple errors are passed on (token errors after updating the account).
 */
import type { Account } from '../../domain/account.ts';
import { type AssetRecord, assetKeyOf, countsAddUp } from '../../domain/asset.ts';
import { assignmentKey, COUNTED_BY_APPLE, holderCountChange, IN_FLIGHT } from '../../domain/assignment.ts';
import type { Actor } from '../../domain/principal.ts';
import type { Secret } from '../../domain/secret.ts';
import { appleStatusAction, statusFromApple, type VppUser } from '../../domain/vpp-user.ts';
import { observeApple, type TokenGuardDeps, withAccountToken } from '../accounts/token-guard.ts';
import {
  assetChanged,
  assetFromApple,
  checkDrift,
  compareHoldings,
  subjectOfApple,
} from '../apple-records.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import {
  type ReconcileTrigger,
  reconcileWhenLicensesArrive,
  scheduleReconciliation,
} from '../deployments/manage-deployments.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { DeploymentRepository } from '../ports/deployment-repository.ts';
import type { SyncStateRepository } from '../ports/sync-state-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { UserFilter, VppClient, VppReadResult } from '../ports/vpp-client.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import type { AssetKey, ResponseMeta, ResponseUser } from '../ports/vpp-schemas.ts';
import { keyHash } from './key-set.ts';

export interface SyncDeps extends TokenGuardDeps, ReconcileTrigger {
  readonly vpp: VppClient;
  readonly syncStates: SyncStateRepository;
  readonly assets: AssetRepository;
  readonly users: UserRepository;
  readonly assignments: AssignmentRepository;
  readonly deployments: DeploymentRepository;
}

export interface DriftReport {
  readonly full: boolean;
  readonly users: { added: number; updated: number };
  readonly assets: {
    added: number;
    updated: number;
    removed: number;
    /** Assets whose counts at Apple do not add up (assigned + available ≠ total), kept as Apple said. */
    countsInconsistent: AssetKey[];
  };
  readonly assignments: {
    foundAtApple: number;
    goneAtApple: number;
    inFlightLeftAlone: number;
    /**
     * The assets whose holders were re-read from Apple after the sync's reads, their `assignedCount`
     * differing from the holders we record (what was repaired counts in found and gone above).
     */
    reread: AssetKey[];
  };
  /** A full read during which Apple's data kept changing: nothing was marked gone. */
  readonly unstableRead: boolean;
  readonly metadataLookupFailed?: boolean;
}

const FULL_SYNC_EVERY_MS = 7 * 24 * 3600 * 1000;
const APPLE: Actor = { type: 'apple', id: 'sync' };

export const driftFound = (r: DriftReport): boolean =>
  r.users.added +
    r.users.updated +
    r.assets.added +
    r.assets.updated +
    r.assets.removed +
    r.assignments.foundAtApple +
    r.assignments.goneAtApple >
  0;

/** Reads incrementally from `since` when there is one, fully otherwise or when Apple forgot the version. */
/** One versioned read of a sync (users or assignments): from where the last one ended, unless full. */
interface VersionedPass {
  /** The version the last read of this kind ended at (none: read everything). */
  readonly since: string | undefined;
  /** Read everything whatever `since` says. */
  readonly full: boolean;
  readonly now: string;
  /** How many the last sync counted (a drift report compares with it), where it keeps a count. */
  readonly previous?: number | undefined;
}

/**
 * Reads from `since`, or everything when the pass is full or Apple no longer knows that version
 * (unknown_version: then it is a full read after all).
 */
async function readVersioned<T>(
  pass: VersionedPass,
  read: (filter: { sinceVersionId?: string }) => Promise<VppReadResult<T>>,
): Promise<{ result: VppReadResult<T>; full: boolean }> {
  if (pass.full || pass.since === undefined) return { result: await read({}), full: true };
  try {
    return { result: await read({ sinceVersionId: pass.since }), full: false };
  } catch (error) {
    if (!isVppError(error, 'unknown_version')) throw error;
    return { result: await read({}), full: true };
  }
}

/** Apple may list a clientUserId several times (retired entries and at most one active one). */
function latestPerUser(users: readonly ResponseUser[]): Map<string, ResponseUser> {
  const byId = new Map<string, ResponseUser>();
  for (const user of users) {
    const seen = byId.get(user.clientUserId);
    const active = user.status !== 'Retired' && user.status !== 'Deleted';
    if (!seen || active) byId.set(user.clientUserId, user);
  }
  return byId;
}

function sameUser(a: VppUser, b: VppUser): boolean {
  return (
    a.status === b.status &&
    a.appleStatus === b.appleStatus &&
    a.inviteCode === b.inviteCode &&
    a.idHash === b.idHash &&
    a.email === b.email
  );
}

/**
 * Users, page by page: each page of Apple's is compared with our records of the users on it (one
 * batched read) and only what changed is written, so memory holds one page, not the location. A
 * clientUserId Apple lists several times (retired entries and one active one) keeps its active entry
 * even when a retired one comes on a later page: the active ones seen are kept as 64-bit hashes.
 */
async function syncUsers(deps: SyncDeps, account: Account, token: Secret, pass: VersionedPass) {
  const { now } = pass;
  let wasFull = pass.full || pass.since === undefined;
  let versionId: string | undefined;
  let meta: ResponseMeta = {};
  let added = 0;
  let updated = 0;
  let statusMoved = false;
  // Hashes of the users seen active (8 bytes of SHA-256 each; a Set for its constant-time lookups).
  const activeSeen = new Set<bigint>();
  const isActive = (u: ResponseUser) => u.status !== 'Retired' && u.status !== 'Deleted';
  const walk = async (filter: UserFilter) => {
    for await (const page of deps.vpp.userPages(token, filter)) {
      versionId ??= page.versionId;
      meta = page.meta;
      const appleUsers = [...latestPerUser(page.items).values()].filter(
        (u) => isActive(u) || !activeSeen.has(keyHash(u.clientUserId)),
      );
      const changes = await compareUsers(deps, account, appleUsers, now);
      for (const u of appleUsers) if (isActive(u)) activeSeen.add(keyHash(u.clientUserId));
      added += changes.added.length;
      updated += changes.updated.length;
      statusMoved ||= await writeUsers(deps, account, changes);
    }
  };
  if (wasFull) await walk({});
  else {
    try {
      await walk({ sinceVersionId: pass.since });
    } catch (error) {
      // Apple no longer knows the version (9721): it answers the first page, before anything was written.
      if (!isVppError(error, 'unknown_version')) throw error;
      wasFull = true;
      await walk({});
    }
  }
  // Invited, Associated and Retired users enter and leave user deployments, as on a notification.
  if (statusMoved) await scheduleReconciliation(deps, account.orgId);
  return { versionId: versionId ?? pass.since ?? '', meta, full: wasFull, added, updated };
}

/** One page of Apple's users against our records of them: who is new, who changed. */
async function compareUsers(
  deps: SyncDeps,
  account: Account,
  appleUsers: readonly ResponseUser[],
  now: string,
) {
  const known = await deps.users.getMany(
    account.id,
    appleUsers.map((u) => u.clientUserId),
  );
  const ours = new Map(known.map((u) => [u.id, u]));
  const added: VppUser[] = [];
  const updated: { before: VppUser; after: VppUser }[] = [];
  for (const apple of appleUsers) {
    const existing = ours.get(apple.clientUserId);
    const status = statusFromApple(apple.status, existing?.status);
    const inviteCode = apple.status === 'Registered' ? (apple.inviteCode ?? existing?.inviteCode) : undefined;
    if (!existing) {
      added.push({
        accountId: account.id,
        id: apple.clientUserId,
        ...(apple.email ? { email: apple.email.toLowerCase() } : {}),
        tags: [],
        status,
        appleStatus: apple.status,
        ...(inviteCode ? { inviteCode } : {}),
        ...(apple.idHash ? { idHash: apple.idHash } : {}),
        source: 'apple',
        version: 0,
        createdAt: now,
        updatedAt: now,
      });
      continue;
    }
    // A user we have not registered yet (`New`) is not Apple's business; our e-mail stays ours.
    const after: VppUser = {
      ...existing,
      status,
      appleStatus: apple.status,
      inviteCode,
      idHash: apple.idHash ?? existing.idHash,
    };
    if (!sameUser(existing, after)) updated.push({ before: existing, after: { ...after, updatedAt: now } });
  }
  return { added, updated };
}

/** Writes one page's user changes and audits each status Apple changed; says whether any status moved. */
async function writeUsers(
  deps: SyncDeps,
  account: Account,
  changes: { added: VppUser[]; updated: { before: VppUser; after: VppUser }[] },
): Promise<boolean> {
  const { added, updated } = changes;
  if (added.length > 0) await deps.users.saveFromApple(added);
  if (updated.length > 0) await deps.users.putMany(updated);
  // A status Apple changed (an invitation accepted, a user retired elsewhere) is audited as Apple's doing.
  let moved = false;
  for (const { before, after } of updated) {
    if (before.status === after.status) continue;
    moved = true;
    const trail = auditTrail(deps, account.orgId, APPLE);
    await trail.user(account.id, after.id, appleStatusAction(after.status), 'succeeded', {
      from: before.status,
      to: after.status,
    });
  }
  return moved;
}

async function syncAssets(deps: SyncDeps, account: Account, token: Secret, now: string) {
  const read = await deps.vpp.readAssets(token);
  const ours = new Map((await deps.assets.listByAccount(account.id)).map((a) => [assetKeyOf(a), a]));
  const changed: AssetRecord[] = [];
  const changes: { before: AssetRecord | undefined; after: AssetRecord }[] = [];
  const countsInconsistent: AssetKey[] = [];
  const current: AssetRecord[] = [];
  let added = 0;
  for (const apple of read.items) {
    const existing = ours.get(assetKeyOf(apple));
    const next = assetFromApple(account, apple, existing, now);
    current.push(next);
    if (!countsAddUp(next)) countsInconsistent.push({ adamId: next.adamId, pricingParam: next.pricingParam });
    if (!existing) added++;
    if (!existing || assetChanged(existing, next) || !existing.name) changed.push(next);
    changes.push({ before: existing, after: next });
    ours.delete(assetKeyOf(apple));
  }
  let metadataLookupFailed = false;
  const unnamed = changed.filter((a) => !a.name);
  if (unnamed.length > 0) {
    try {
      const found = await deps.vpp.contentMetadata(
        token,
        unnamed.map((a) => a.adamId),
        {
          country: account.location.countryISO2ACode ?? 'US',
          platform: account.location.defaultPlatform ?? 'volumestore',
        },
      );
      for (const asset of unnamed) {
        const meta = found.get(asset.adamId);
        if (meta)
          Object.assign(asset, { name: meta.name, ...(meta.iconUrl ? { iconUrl: meta.iconUrl } : {}) });
      }
    } catch {
      // Names are cosmetic: a failed lookup must not fail the sync; the next one tries again.
      metadataLookupFailed = true;
    }
  }
  if (changed.length > 0) await deps.assets.saveAppleFacts(changed);
  // Assets Apple no longer lists (transferred away, refunded).
  for (const gone of ours.values()) await deps.assets.remove(account.id, gone.adamId, gone.pricingParam);
  await reconcileWhenLicensesArrive(deps, account, changes);
  return {
    current,
    added,
    updated: changed.length - added,
    removed: ours.size,
    countsInconsistent,
    metadataLookupFailed,
  };
}

async function syncAssignments(deps: SyncDeps, account: Account, token: Secret, pass: VersionedPass) {
  const { now, previous: previousHolding } = pass;
  const { result, full: wasFull } = await readVersioned(pass, (filter) =>
    deps.vpp.readAssignments(token, filter),
  );
  // A full pass compares with every holding; an incremental one only needs the holdings Apple returned.
  const known = wasFull
    ? await deps.assignments.listByAccount(account.id)
    : await deps.assignments.getMany(
        account.id,
        result.items.map((a) => ({ adamId: a.adamId, pricingParam: a.pricingParam, ...subjectOfApple(a) })),
      );
  const ours = new Map(known.map((a) => [assignmentKey(a), a]));
  // Removals are invisible in an incremental read; only a full, stable read shows them.
  const { writes, seen, foundAtApple, goneAtApple, inFlightLeftAlone } = compareHoldings(
    account,
    known,
    result.items,
    { complete: wasFull && result.consistent, now },
  );
  if (writes.length > 0) await deps.assignments.putMany(writes);
  // How each asset's holders moved with these writes; a full pass also counts every asset's holders.
  const moved = new Map<string, number>();
  for (const w of writes) {
    const change = holderCountChange(ours.get(assignmentKey(w))?.state, w.state);
    moved.set(assetKeyOf(w), (moved.get(assetKeyOf(w)) ?? 0) + change);
  }
  let counted: Map<string, number> | undefined;
  if (wasFull) {
    const after = new Map(ours);
    for (const w of writes) after.set(assignmentKey(w), w);
    counted = new Map();
    for (const a of after.values())
      if (COUNTED_BY_APPLE.has(a.state)) counted.set(assetKeyOf(a), (counted.get(assetKeyOf(a)) ?? 0) + 1);
  }
  let holding = 0;
  if (wasFull) {
    for (const [k, a] of ours)
      if (a.state === 'granted' || (seen.has(k) && !IN_FLIGHT.has(a.state))) holding++;
    holding += [...seen].filter((k) => !ours.has(k)).length;
  } else {
    holding = (previousHolding ?? 0) + foundAtApple;
  }
  return {
    result,
    full: wasFull,
    foundAtApple,
    goneAtApple,
    inFlightLeftAlone,
    unstable: wasFull && !result.consistent,
    holding,
    holders: { moved, counted },
  };
}

/**
 * Each asset's `holderCount` after the sync's writes: set to what a full pass counted where it
 * differs, moved by an incremental sync's writes where it is known. Returns the assets as they now are
 * (a count someone else moved meanwhile is taken as unknown, so the drift check counts again).
 */
async function keepHolderCounts(
  deps: SyncDeps,
  account: Account,
  assets: readonly AssetRecord[],
  holders: { moved: ReadonlyMap<string, number>; counted: ReadonlyMap<string, number> | undefined },
): Promise<AssetRecord[]> {
  const kept: AssetRecord[] = [];
  for (const asset of assets) {
    const key = assetKeyOf(asset);
    const { holderCount: seen, ...rest } = asset;
    const at = [account.id, asset.adamId, asset.pricingParam] as const;
    let now = seen;
    if (holders.counted) {
      const count = holders.counted.get(key) ?? 0;
      if (seen !== count) now = (await deps.assets.setHolderCount(...at, count, seen)) ? count : undefined;
    } else {
      const change = holders.moved.get(key) ?? 0;
      if (change !== 0 && seen !== undefined) {
        await deps.assets.moveHolderCount(...at, change);
        now = seen + change;
      }
    }
    kept.push(now === undefined ? rest : { ...rest, holderCount: now });
  }
  return kept;
}

export async function syncAccount(
  deps: SyncDeps,
  account: Account,
  options: { full: boolean; actor: Actor },
): Promise<DriftReport> {
  const now = deps.clock.now();
  const stamp = now.toISOString();
  const state = await deps.syncStates.get(account.id);
  const full =
    options.full ||
    !state?.lastFullSyncAt ||
    now.getTime() - new Date(state.lastFullSyncAt).getTime() >= FULL_SYNC_EVERY_MS;

  return withAccountToken(
    deps,
    account,
    'read',
    async (token) => {
      const users = await syncUsers(deps, account, token, {
        since: state?.usersVersionId,
        full,
        now: stamp,
      });
      const current = await observeApple(deps, account, { meta: users.meta }, options.actor);
      const assets = await syncAssets(deps, current, token, stamp);
      const assignments = await syncAssignments(deps, current, token, {
        since: state?.assignmentsVersionId,
        full,
        now: stamp,
        previous: state?.counts.assignments,
      });
      // Drift any sync finds: each asset whose count at Apple differs from the holders we record.
      const counted = await keepHolderCounts(deps, current, assets.current, assignments.holders);
      const repaired = await checkDrift(deps, current, token, counted);
      const wasFull = users.full && assignments.full;
      // An unstable full pass repaired no removal: it leaves no full pass on record, so the next sync
      // runs full again.
      const lastFullSyncAt = assignments.unstable ? undefined : wasFull ? stamp : state?.lastFullSyncAt;
      await deps.syncStates.put({
        accountId: account.id,
        usersVersionId: users.versionId,
        assignmentsVersionId: assignments.result.versionId,
        lastSyncAt: stamp,
        ...(lastFullSyncAt ? { lastFullSyncAt } : {}),
        counts: { assignments: assignments.holding + repaired.foundAtApple - repaired.goneAtApple },
      });
      return {
        full: wasFull,
        users: { added: users.added, updated: users.updated },
        assets: {
          added: assets.added,
          updated: assets.updated,
          removed: assets.removed,
          countsInconsistent: assets.countsInconsistent,
        },
        assignments: {
          foundAtApple: assignments.foundAtApple + repaired.foundAtApple,
          goneAtApple: assignments.goneAtApple + repaired.goneAtApple,
          inFlightLeftAlone: assignments.inFlightLeftAlone,
          reread: repaired.reread,
        },
        unstableRead: assignments.unstable,
        ...(assets.metadataLookupFailed ? { metadataLookupFailed: true } : {}),
      };
    },
    options.actor,
  );
}
