/**
 * Syncs one account with Apple (SPEC §5.3): users, then assets, then assignments, page by page, in
 * memory that does not grow with the location, resumable at any page.
 * 1. Users and assignments are read incrementally from the last `versionId`; a full pass runs when
 *    asked, weekly, or when Apple no longer knows the version (9721). Each page of Apple's is compared
 *    with our records of what is on it (one batched read) and only what changed is written.
 * 2. Apple is the source of truth for who holds what: a holding found at Apple is recorded (source
 *    `apple`), and in a full pass a holding Apple no longer has is marked revoked. Removals are found
 *    without holding Apple's list: each holding Apple listed is kept as a 64-bit hash (`KeySet`, 8 bytes
 *    a holding), then our records are walked a page at a time (`pageByAccount`) and those Apple did not
 *    list are marked gone — never one in flight (`pending-grant`, `pending-revoke`: only Apple's answer
 *    settles them), nor one changed since the sync began (a grant settled meanwhile). The same walk
 *    counts every asset's holders.
 * 2a. Every sync, full or not, then checks each asset for drift (`checkDrift`): one with nothing in
 *    flight whose `assignedCount` at Apple differs from the holders we record (`holderCount`, kept by
 *    the sync's writes, counted afresh by a full pass) has its holders re-read from Apple and repaired
 *    both ways (`assignments.reread` in the report). Assets whose counts agree cost nothing.
 * 3. Every record is written only when something in it changed; new assets get their name and icon
 *    from Apple's content metadata lookup. The account's sync record (versions, time, counts) is the
 *    only data write of a sync with nothing new.
 * 4. A full pass whose read was not stable (a later page had another version than the first: Apple's
 *    data kept changing) marks nothing as gone and does not count as the weekly full pass: the next
 *    sync runs full again.
 * 5. A user status Apple changed is audited (actor Apple), as the notifications do.
 * 6. Assets whose counts break Apple's invariant (assigned + available ≠ total, not unlimited) are
 *    kept as Apple said them and listed in the drift report (`assets.countsInconsistent`).
 * 7. After each page it leaves a checkpoint (bookkeeping: where it is, what it counted, the page's key
 *    hashes). A run that stops — `outOfTime` said so between pages, or its worker died — continues from
 *    its last checkpoint: at most the page it was on is read again, and nothing is written twice (a
 *    page read again finds its changes written). Two deliveries of one run cannot both go on: the
 *    second to reach a checkpoint stops (`SyncSuperseded`).
 * Returns the drift found, or that the run continues; Apple errors are passed on (token errors after
 * updating the account).
 */
import type { Account } from '../../domain/account.ts';
import { type AssetRecord, assetKeyOf, countsAddUp } from '../../domain/asset.ts';
import { assignmentKey, COUNTED_BY_APPLE, holderCountChange } from '../../domain/assignment.ts';
import type { Actor } from '../../domain/principal.ts';
import type { Secret } from '../../domain/secret.ts';
import { appleStatusAction, statusFromApple, type VppUser } from '../../domain/vpp-user.ts';
import { observeApple, type TokenGuardDeps, withAccountToken } from '../accounts/token-guard.ts';
import {
  assetChanged,
  assetFromApple,
  checkDrift,
  compareHoldings,
  goneAtApple,
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
import type { SyncProgress, SyncState, SyncStateRepository } from '../ports/sync-state-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { VppClient, VppPage } from '../ports/vpp-client.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import type { AssetKey, ResponseUser } from '../ports/vpp-schemas.ts';
import { type KeySet, KeySetBuilder, keyHash } from './key-set.ts';

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

/** One run of a sync. */
export interface SyncRun {
  /** The run's id (its job's): its checkpoints carry it, and a continuation of it names it. */
  readonly jobId: string;
  /** Read everything, not only what changed since the last sync. */
  readonly full: boolean;
  readonly actor: Actor;
  /** Asked after each checkpoint: true stops the run there, to continue in a new invocation. */
  readonly outOfTime?: () => boolean;
}

/** The run stopped at a checkpoint and continues in a new invocation. */
export interface SyncContinues {
  readonly continues: true;
}

/** Another delivery of the same run reached a checkpoint first: this one stops, writing nothing more. */
export class SyncSuperseded extends Error {
  constructor(jobId: string) {
    super(`Another delivery of the sync ${jobId} is further on; this one stops.`);
    this.name = 'SyncSuperseded';
  }
}

const FULL_SYNC_EVERY_MS = 7 * 24 * 3600 * 1000;
/** How many of our records the search for removals reads at a time. */
const REMOVALS_PAGE = 1000;
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

/** Where a versioned walk stands (the rest of a walk's progress is what it counted). */
type WalkPosition = Pick<SyncProgress['users'], 'full' | 'since' | 'nextPage' | 'versionId' | 'unstable'>;

/** A walk from where the last read of its kind ended (`since`), or of everything. */
const newWalk = (since: string | undefined, full: boolean) => ({
  full: full || since === undefined,
  ...(since !== undefined && !full ? { since } : {}),
  nextPage: 0,
  unstable: false,
});

/**
 * Apple's pages of a versioned walk, from the page it stands at, each with the walk as it is after
 * it. Apple no longer knowing the version (9721, on the first page, before anything was written)
 * turns it into a full walk.
 */
async function* pagesOf<T>(
  walk: WalkPosition,
  read: (filter: { sinceVersionId?: string }, fromPage: number) => AsyncIterable<VppPage<T>>,
): AsyncGenerator<{ page: VppPage<T>; position: WalkPosition }> {
  let current: WalkPosition = {
    full: walk.full,
    ...(walk.since !== undefined ? { since: walk.since } : {}),
    nextPage: walk.nextPage,
    ...(walk.versionId !== undefined ? { versionId: walk.versionId } : {}),
    unstable: walk.unstable,
  };
  const open = () =>
    read(
      current.full || current.since === undefined ? {} : { sinceVersionId: current.since },
      current.nextPage,
    )[Symbol.asyncIterator]();
  let pages: AsyncIterator<VppPage<T>> | undefined;
  for (;;) {
    let next: IteratorResult<VppPage<T>>;
    try {
      pages ??= open();
      next = await pages.next();
    } catch (error) {
      if (current.full || current.nextPage > 0 || !isVppError(error, 'unknown_version')) throw error;
      const { since: _forgotten, ...rest } = current;
      current = { ...rest, full: true };
      pages = undefined;
      continue;
    }
    if (next.done) return;
    const page = next.value;
    current = {
      ...current,
      nextPage: page.pageIndex + 1,
      versionId: current.versionId ?? page.versionId,
      unstable: current.unstable || (current.versionId !== undefined && page.versionId !== current.versionId),
    };
    yield { page, position: current };
  }
}

/** The bytes of a page's key hashes, for its checkpoint. */
const hashBytes = (hashes: readonly bigint[]): Uint8Array | undefined =>
  hashes.length === 0 ? undefined : new Uint8Array(BigUint64Array.from(hashes).buffer);
const hashesOf = (bytes: Uint8Array): BigUint64Array =>
  new BigUint64Array(new Uint8Array(bytes).buffer, 0, Math.floor(bytes.byteLength / 8));

/** Where a run stands: resumed from its last checkpoint, or new. */
interface Position {
  progress: SyncProgress;
  seq: number;
  /** The users Apple listed as active so far (a retired entry on a later page must not win). */
  activeUsers: Set<bigint>;
  /** The holdings a full assignments walk has seen so far. */
  seenHoldings: KeySetBuilder;
}

async function positionOf(
  deps: SyncDeps,
  accountId: string,
  run: SyncRun,
  state: SyncState | undefined,
): Promise<Position> {
  let last: { seq: number; progress: SyncProgress } | undefined;
  const activeUsers = new Set<bigint>();
  const seenHoldings = new KeySetBuilder();
  for await (const checkpoint of deps.syncStates.checkpoints(accountId, run.jobId)) {
    last = checkpoint;
    if (!checkpoint.keys) continue;
    // A checkpoint's keys are the users walk's until the assignments walk has begun.
    if (checkpoint.progress.assignments?.nextPage) seenHoldings.addHashes(hashesOf(checkpoint.keys));
    else for (const h of hashesOf(checkpoint.keys)) activeUsers.add(h);
  }
  // A run that finished (a delivery repeated after it) starts again after its last checkpoint.
  if (last && state?.lastJobId !== run.jobId)
    return { progress: last.progress, seq: last.seq, activeUsers, seenHoldings };
  const now = deps.clock.now();
  const full =
    run.full ||
    !state?.lastFullSyncAt ||
    now.getTime() - new Date(state.lastFullSyncAt).getTime() >= FULL_SYNC_EVERY_MS;
  return {
    progress: {
      stamp: now.toISOString(),
      full,
      phase: 'users',
      users: { ...newWalk(state?.usersVersionId, full), added: 0, updated: 0, statusMoved: false },
    },
    seq: last?.seq ?? 0,
    activeUsers: new Set(),
    seenHoldings: new KeySetBuilder(),
  };
}

export function syncAccount(
  deps: SyncDeps,
  account: Account,
  run: SyncRun & { readonly outOfTime?: undefined },
): Promise<DriftReport>;
export function syncAccount(
  deps: SyncDeps,
  account: Account,
  run: SyncRun,
): Promise<DriftReport | SyncContinues>;
export async function syncAccount(
  deps: SyncDeps,
  account: Account,
  run: SyncRun,
): Promise<DriftReport | SyncContinues> {
  const state = await deps.syncStates.get(account.id);
  const at = await positionOf(deps, account.id, run, state);
  /** Saves where the run is; says whether it must stop here (and continue in a new invocation). */
  const checkpoint = async (keys?: readonly bigint[]): Promise<boolean> => {
    at.seq++;
    const saved = await deps.syncStates.saveCheckpoint({
      accountId: account.id,
      jobId: run.jobId,
      seq: at.seq,
      progress: at.progress,
      keys: keys && hashBytes(keys),
    });
    if (!saved) throw new SyncSuperseded(run.jobId);
    return run.outOfTime?.() === true;
  };
  const continues: SyncContinues = { continues: true };

  return withAccountToken(
    deps,
    account,
    'read',
    async (token) => {
      let current = account;
      const stamp = at.progress.stamp;

      if (at.progress.phase === 'users') {
        for await (const { page, position } of pagesOf(at.progress.users, (filter, from) =>
          deps.vpp.userPages(token, filter, from),
        )) {
          const users = at.progress.users;
          const active = await syncUserPage(deps, current, page.items, at.activeUsers, stamp);
          at.progress = {
            ...at.progress,
            users: {
              ...users,
              ...position,
              added: users.added + active.added,
              updated: users.updated + active.updated,
              statusMoved: users.statusMoved || active.statusMoved,
            },
          };
          if (page.last) {
            // Invited, Associated and Retired users enter and leave user deployments, as on a notification.
            if (at.progress.users.statusMoved) await scheduleReconciliation(deps, current.orgId);
            current = await observeApple(deps, current, { meta: page.meta }, run.actor);
            at.progress = { ...at.progress, phase: 'assets' };
          }
          if (await checkpoint(active.seen)) return continues;
        }
      }

      if (at.progress.phase === 'assets') {
        const assets = await syncAssets(deps, current, token, stamp);
        at.progress = {
          ...at.progress,
          phase: 'assignments',
          assets,
          assignments: {
            ...newWalk(state?.assignmentsVersionId, at.progress.full),
            found: 0,
            inFlightLeftAlone: 0,
            moved: {},
          },
        };
        if (await checkpoint()) return continues;
      }

      if (at.progress.phase === 'assignments' && at.progress.assignments !== undefined) {
        for await (const { page, position } of pagesOf(at.progress.assignments, (filter, from) =>
          deps.vpp.assignmentPages(token, filter, from),
        )) {
          const walk = at.progress.assignments as NonNullable<SyncProgress['assignments']>;
          const moved = { ...walk.moved };
          const found = await syncAssignmentPage(deps, current, page.items, moved, stamp);
          at.progress = {
            ...at.progress,
            assignments: {
              ...walk,
              ...position,
              found: walk.found + found.foundAtApple,
              inFlightLeftAlone: walk.inFlightLeftAlone + found.inFlightLeftAlone,
              moved,
            },
          };
          const seen = position.full ? [...found.seen].map(keyHash) : [];
          at.seenHoldings.addHashes(BigUint64Array.from(seen));
          if (page.last) {
            // Removals are invisible in an incremental read; only a full, stable read shows them.
            const complete = position.full && !position.unstable;
            at.progress = {
              ...at.progress,
              phase: complete ? 'removals' : 'finish',
              ...(complete ? { removals: { gone: 0, holding: 0, counted: {} } } : {}),
            };
          }
          if (await checkpoint(seen)) return continues;
        }
      }

      if (at.progress.phase === 'removals' && at.progress.removals) {
        const listed = at.seenHoldings.seal();
        let removals = at.progress.removals;
        do {
          removals = await removalsPage(deps, current, listed, removals, stamp);
          at.progress = {
            ...at.progress,
            removals,
            ...(removals.cursor === undefined ? { phase: 'finish' as const } : {}),
          };
          if (await checkpoint()) return continues;
        } while (removals.cursor !== undefined);
      }

      return finish(deps, current, token, at.progress, run, state);
    },
    run.actor,
  );
}

/** One page of Apple's users: compared, written, and the hashes of the active users on it. */
async function syncUserPage(
  deps: SyncDeps,
  account: Account,
  items: readonly ResponseUser[],
  activeUsers: Set<bigint>,
  now: string,
) {
  const isActive = (u: ResponseUser) => u.status !== 'Retired' && u.status !== 'Deleted';
  const appleUsers = [...latestPerUser(items).values()].filter(
    (u) => isActive(u) || !activeUsers.has(keyHash(u.clientUserId)),
  );
  const changes = await compareUsers(deps, account, appleUsers, now);
  const seen = appleUsers.filter(isActive).map((u) => keyHash(u.clientUserId));
  for (const h of seen) activeUsers.add(h);
  const statusMoved = await writeUsers(deps, account, changes);
  return { added: changes.added.length, updated: changes.updated.length, statusMoved, seen };
}

/**
 * One page of Apple's assignments against our records of the holdings on it: what Apple holds and we
 * do not is written as found, and `moved` (asset key → change) follows each asset's holders.
 */
async function syncAssignmentPage(
  deps: SyncDeps,
  account: Account,
  items: Parameters<typeof compareHoldings>[2],
  moved: Record<string, number>,
  now: string,
) {
  const known = await deps.assignments.getMany(
    account.id,
    items.map((a) => ({ adamId: a.adamId, pricingParam: a.pricingParam, ...subjectOfApple(a) })),
  );
  const compared = compareHoldings(account, known, items, { complete: false, now });
  if (compared.writes.length > 0) await deps.assignments.putMany(compared.writes);
  const before = new Map(known.map((a) => [assignmentKey(a), a.state]));
  for (const w of compared.writes) {
    const key = assetKeyOf(w);
    moved[key] = (moved[key] ?? 0) + holderCountChange(before.get(assignmentKey(w)), w.state);
  }
  return compared;
}

/**
 * One page of our records in the search for removals: those Apple did not list are marked gone
 * (unless in flight, or changed since the sync began), and every asset's holders are counted.
 */
async function removalsPage(
  deps: SyncDeps,
  account: Account,
  listed: KeySet,
  so: NonNullable<SyncProgress['removals']>,
  stamp: string,
): Promise<NonNullable<SyncProgress['removals']>> {
  const page = await deps.assignments.pageByAccount(account.id, { cursor: so.cursor, limit: REMOVALS_PAGE });
  const unlisted = page.items.filter((r) => r.updatedAt <= stamp && !listed.has(assignmentKey(r)));
  const gone = goneAtApple(unlisted, stamp);
  if (gone.length > 0) await deps.assignments.putMany(gone);
  const after = new Map(page.items.map((r) => [assignmentKey(r), r]));
  for (const r of gone) after.set(assignmentKey(r), r);
  const counted = { ...so.counted };
  let holding = so.holding;
  for (const r of after.values()) {
    if (COUNTED_BY_APPLE.has(r.state)) counted[assetKeyOf(r)] = (counted[assetKeyOf(r)] ?? 0) + 1;
    if (r.state === 'granted') holding++;
  }
  return {
    ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
    gone: so.gone + gone.length,
    holding,
    counted,
  };
}

/** The last step: holder counts kept, drift checked, the sync record written; the report. */
async function finish(
  deps: SyncDeps,
  account: Account,
  token: Secret,
  progress: SyncProgress,
  run: SyncRun,
  state: SyncState | undefined,
): Promise<DriftReport> {
  const { users, assets, assignments, removals, stamp } = progress;
  if (!assets || !assignments) throw new Error(`The sync ${run.jobId} finished before it read assignments.`);
  // Drift any sync finds: each asset whose count at Apple differs from the holders we record.
  const counted = await keepHolderCounts(deps, account, await deps.assets.listByAccount(account.id), {
    moved: new Map(Object.entries(assignments.moved)),
    counted: removals ? new Map(Object.entries(removals.counted)) : undefined,
  });
  const repaired = await checkDrift(deps, account, token, counted);
  const unstable = assignments.full && assignments.unstable;
  const wasFull = users.full && assignments.full;
  // An unstable full pass repaired no removal: it leaves no full pass on record, so the next sync
  // runs full again.
  const lastFullSyncAt = unstable ? undefined : wasFull ? stamp : state?.lastFullSyncAt;
  const holding = removals ? removals.holding : (state?.counts.assignments ?? 0) + assignments.found;
  await deps.syncStates.put({
    accountId: account.id,
    usersVersionId: users.versionId ?? users.since ?? '',
    assignmentsVersionId: assignments.versionId ?? assignments.since ?? '',
    lastSyncAt: stamp,
    ...(lastFullSyncAt ? { lastFullSyncAt } : {}),
    lastJobId: run.jobId,
    counts: { assignments: holding + repaired.foundAtApple - repaired.goneAtApple },
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
      foundAtApple: assignments.found + repaired.foundAtApple,
      goneAtApple: (removals?.gone ?? 0) + repaired.goneAtApple,
      inFlightLeftAlone: assignments.inFlightLeftAlone,
      reread: repaired.reread,
    },
    unstableRead: unstable,
    ...(assets.metadataLookupFailed ? { metadataLookupFailed: true } : {}),
  };
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

/** Assets, read whole (a location holds hundreds, not millions): new ones named, gone ones removed. */
async function syncAssets(
  deps: SyncDeps,
  account: Account,
  token: Secret,
  now: string,
): Promise<NonNullable<SyncProgress['assets']>> {
  const read = await deps.vpp.readAssets(token);
  const ours = new Map((await deps.assets.listByAccount(account.id)).map((a) => [assetKeyOf(a), a]));
  const changed: AssetRecord[] = [];
  const changes: { before: AssetRecord | undefined; after: AssetRecord }[] = [];
  const countsInconsistent: AssetKey[] = [];
  let added = 0;
  for (const apple of read.items) {
    const existing = ours.get(assetKeyOf(apple));
    const next = assetFromApple(account, apple, existing, now);
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
    added,
    updated: changed.length - added,
    removed: ours.size,
    countsInconsistent,
    metadataLookupFailed,
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
