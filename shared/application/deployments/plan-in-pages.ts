/**
 * The reconciliation's plan made page by page, so that its memory does not grow with the inventory
 * (issue 16): one walk of the organisation's devices in serial order serves all its deployments.
 * 1. Device deployments: beside the walk, each reads its asset's device holdings in the same order (a
 *    sorted merge), and pairs every device with its holding; a holding without a device (removed from
 *    the inventory) comes alone. Each pair is decided by `classifySubject` (domain/deployment.ts), as
 *    in `planReconciliation`, so both plans agree on the same data.
 * 2. Only the changes are kept: the grants as far as licences last (`GrantSelection`), the
 *    revocations and the holders whose scope changed; the rest is counted. Memory holds a page of
 *    devices, a page of holdings per deployment, and the changes.
 * 3. User deployments: the walk gathers, of the devices in scope, the owners' e-mails that belong to
 *    the account's users; the users (far fewer than devices) and their holdings are then planned in
 *    memory by `planReconciliation`. Memory grows with the account's users, not with its devices.
 * Reads only: nothing here writes.
 */
import type { Account } from '../../domain/account.ts';
import { type AssetRecord, freeLicenses } from '../../domain/asset.ts';
import type { AssignmentRecord } from '../../domain/assignment.ts';
import {
  classifySubject,
  type Deployment,
  deviceInScope,
  deviceSubject,
  GrantSelection,
  planReconciliation,
  type ReconciliationPlan,
  type Subject,
  userCanHold,
  usersInScope,
} from '../../domain/deployment.ts';
import type { Device } from '../../domain/device.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { QueuedSubjects } from '../licenses/queued-subjects.ts';
import type { LicenseDeps } from '../licenses/request-licenses.ts';
import type { AssignmentPage } from '../ports/assignment-repository.ts';

/**
 * Devices read at a time, and each deployment's holdings read at a time: 50 deployments hold 10,000
 * holdings in pages (the per-deployment part of the memory); smaller pages measured no lower peak.
 */
export const DEVICES_PER_PAGE = 1000;
export const HOLDERS_PER_PAGE = 200;

/** What a reconciliation changes for one deployment, and how many subjects it leaves as they are. */
export interface ReconciliationChanges {
  /** In the stable order, as far as free licences last. */
  readonly grant: Subject[];
  /** In scope, not holding, beyond the free licences. */
  readonly shortage: number;
  /** Out of scope for longer than the grace period: to revoke now. */
  readonly revoke: { subject: Subject; graceEndsAt: string }[];
  /** Holders that just left the scope: the time they left is recorded (a write). */
  readonly leftScope: AssignmentRecord[];
  /** Holders back in scope: the recorded time is cleared (a write). */
  readonly backInScope: AssignmentRecord[];
  readonly inScope: number;
  readonly inGrace: number;
  readonly retryLater: number;
  readonly skipped: number;
}

export interface PlanTarget {
  readonly account: Account;
  readonly deployment: Deployment;
}

export interface PlannedChanges extends PlanTarget {
  readonly asset: AssetRecord;
  readonly changes: ReconciliationChanges;
}

export type PlanDeps = Pick<LicenseDeps, 'assets' | 'assignments' | 'devices' | 'users' | 'jobs' | 'clock'>;

/** Gathers one deployment's decisions, keeping the changes only. */
class ChangeTally {
  readonly #grants: GrantSelection;
  readonly #revoke: { subject: Subject; graceEndsAt: string }[] = [];
  readonly #leftScope: AssignmentRecord[] = [];
  readonly #backInScope: AssignmentRecord[] = [];
  #inScope = 0;
  #inGrace = 0;
  #retryLater = 0;
  #skipped = 0;

  constructor(
    readonly deployment: Deployment,
    free: number,
    readonly now: Date,
    readonly queued: QueuedSubjects,
  ) {
    this.#grants = new GrantSelection(deployment, free);
  }

  add(subject: Subject | undefined, record: AssignmentRecord | undefined): void {
    if (subject) this.#inScope++;
    const type = subject?.type ?? record?.subjectType;
    const id = subject?.id ?? record?.subjectId;
    const holder = type && id ? this.queued.holder(type, id, record) : record;
    const decision = classifySubject(this.deployment, subject, holder, this.now);
    switch (decision.kind) {
      case 'nothing':
        break;
      case 'missing':
        this.#grants.offer(decision.subject);
        break;
      case 'skipped':
        this.#skipped++;
        break;
      case 'retryLater':
        this.#retryLater++;
        break;
      case 'backInScope':
        this.#backInScope.push(decision.holder);
        break;
      case 'revoke':
      case 'inGrace':
        if (decision.leftScope) this.#leftScope.push(decision.leftScope);
        if (decision.kind === 'revoke')
          this.#revoke.push({ subject: decision.subject, graceEndsAt: decision.graceEndsAt });
        else this.#inGrace++;
        break;
    }
  }

  changes(): ReconciliationChanges {
    const { grant, shortageCount } = this.#grants.result();
    return {
      grant,
      shortage: shortageCount,
      revoke: this.#revoke,
      leftScope: this.#leftScope,
      backInScope: this.#backInScope,
      inScope: this.#inScope,
      inGrace: this.#inGrace,
      retryLater: this.#retryLater,
      skipped: this.#skipped,
    };
  }
}

/** A deployment's holdings of one subject type in subject order, a page in hand at a time. */
class HolderStream {
  #page: AssignmentRecord[] = [];
  #at = 0;
  #cursor: string | undefined;
  #started = false;

  constructor(readonly read: (cursor: string | undefined) => Promise<AssignmentPage>) {}

  /** The holding in hand, without reading: undefined when the page is used up (or the stream ended). */
  get current(): AssignmentRecord | undefined {
    return this.#page[this.#at];
  }

  get ended(): boolean {
    return this.#at >= this.#page.length && this.#started && this.#cursor === undefined;
  }

  /** The next holding, reading pages as needed; undefined after the last. */
  async next(): Promise<AssignmentRecord | undefined> {
    while (this.#at >= this.#page.length && !this.ended) {
      const page = await this.read(this.#cursor);
      this.#started = true;
      this.#page = page.items;
      this.#at = 0;
      this.#cursor = page.cursor;
    }
    return this.#page[this.#at];
  }

  advance(): void {
    this.#at++;
  }
}

/** A device deployment in the walk: its tally and its holdings' stream. */
interface DeviceLane {
  readonly index: number;
  readonly deployment: Deployment;
  readonly networks: readonly string[];
  readonly platforms: readonly string[];
  readonly tally: ChangeTally;
  readonly holders: HolderStream;
}

/** A user deployment in the walk: the e-mails of its account's users that own an in-scope device. */
interface UserLane {
  readonly index: number;
  readonly target: PlanTarget;
  readonly asset: AssetRecord;
  readonly users: readonly VppUser[];
  readonly emails: ReadonlySet<string>;
  readonly owners: Set<string>;
}

/** Every page of a read, gathered (for the few: an account's users' holdings of one asset). */
async function allPages(read: (cursor: string | undefined) => Promise<AssignmentPage>) {
  const items: AssignmentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return items;
}

/**
 * The changes of an organisation's deployments (in the order given; undefined for one whose asset
 * is gone), from one walk of its devices, `pages` at a time.
 */
export async function planChanges(
  deps: PlanDeps,
  orgId: string,
  targets: readonly PlanTarget[],
  pages: { devices: number; holders: number } = { devices: DEVICES_PER_PAGE, holders: HOLDERS_PER_PAGE },
): Promise<(PlannedChanges | undefined)[]> {
  const now = deps.clock.now();
  const assets = await Promise.all(
    targets.map((t) => deps.assets.get(t.account.id, t.deployment.adamId, t.deployment.pricingParam)),
  );
  const deviceLanes: DeviceLane[] = [];
  const userLanes: UserLane[] = [];
  const usersOf = new Map<string, VppUser[]>();
  for (const [index, target] of targets.entries()) {
    const asset = assets[index];
    if (!asset) continue;
    const { account, deployment } = target;
    if (deployment.method === 'device') {
      deviceLanes.push({
        index,
        deployment,
        networks: account.assignableNetworks,
        platforms: asset.supportedPlatforms,
        tally: new ChangeTally(
          deployment,
          freeLicenses(asset),
          now,
          await QueuedSubjects.of(deps.jobs, account.id, deployment),
        ),
        holders: new HolderStream((cursor) =>
          deps.assignments.pageByAsset(account.id, deployment.adamId, deployment.pricingParam, 'device', {
            cursor,
            limit: pages.holders,
          }),
        ),
      });
      continue;
    }
    const users = usersOf.get(account.id) ?? (await deps.users.listByAccount(account.id));
    usersOf.set(account.id, users);
    const emails = new Set(
      users.filter(userCanHold).flatMap((u) => (u.email === undefined ? [] : [u.email])),
    );
    userLanes.push({ index, target, asset, users, emails, owners: new Set() });
  }

  if (deviceLanes.length > 0 || userLanes.some((l) => l.emails.size > 0)) {
    let cursor: string | undefined;
    do {
      const page = await deps.devices.pageByOrg(orgId, { cursor, limit: pages.devices });
      for (const lane of deviceLanes) await merge(lane, page.items);
      for (const lane of userLanes) gatherOwners(lane, page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    // Holdings past the last device: their devices are gone from the inventory.
    for (const lane of deviceLanes)
      for (let h = await lane.holders.next(); h; lane.holders.advance(), h = await lane.holders.next())
        lane.tally.add(undefined, h);
  }

  const planned: (PlannedChanges | undefined)[] = targets.map(() => undefined);
  for (const lane of deviceLanes) {
    const asset = assets[lane.index] as AssetRecord;
    planned[lane.index] = { ...(targets[lane.index] as PlanTarget), asset, changes: lane.tally.changes() };
  }
  for (const lane of userLanes) {
    const { account, deployment } = lane.target;
    const holders = await allPages((cursor) =>
      deps.assignments.pageByAsset(account.id, deployment.adamId, deployment.pricingParam, 'user', {
        cursor,
        limit: pages.holders,
      }),
    );
    const queued = await QueuedSubjects.of(deps.jobs, account.id, deployment);
    const plan = planReconciliation({
      deployment,
      inScope: usersInScope(deployment, lane.owners, lane.users),
      holders: queued.holders(holders, 'user'),
      freeLicenses: freeLicenses(lane.asset),
      now,
    });
    planned[lane.index] = {
      ...lane.target,
      asset: lane.asset,
      changes: changesOf(plan),
    };
  }
  return planned;
}

/**
 * One page of devices against a deployment's holdings, both in serial order (the tables' key order;
 * serial numbers are letters, digits and dashes, so JavaScript's string order is the same).
 */
async function merge(lane: DeviceLane, devices: readonly Device[]): Promise<void> {
  const { deployment, tally, holders } = lane;
  // Awaited only when a page is to be read: a million devices × 50 deployments make no 50 million awaits.
  const peek = () => holders.current ?? (holders.ended ? undefined : holders.next());
  for (const device of devices) {
    const subject = deviceSubject(deployment, device, lane.networks, lane.platforms);
    let seen = peek();
    let holder = seen instanceof Promise ? await seen : seen;
    while (holder && holder.subjectId < device.serialNumber) {
      tally.add(undefined, holder);
      holders.advance();
      seen = peek();
      holder = seen instanceof Promise ? await seen : seen;
    }
    if (holder?.subjectId === device.serialNumber) {
      tally.add(subject, holder);
      holders.advance();
    } else if (subject) tally.add(subject, undefined);
  }
}

function gatherOwners(lane: UserLane, devices: readonly Device[]): void {
  for (const device of devices)
    if (
      device.ownerEmail !== undefined &&
      lane.emails.has(device.ownerEmail) &&
      deviceInScope(device, lane.target.deployment.scope)
    )
      lane.owners.add(device.ownerEmail);
}

/** A plan made in memory, as the changes the walk keeps (what is only counted, counted). */
export function changesOf(plan: ReconciliationPlan): ReconciliationChanges {
  return {
    grant: plan.grant,
    shortage: plan.shortage.length,
    revoke: plan.revoke,
    leftScope: plan.leftScope,
    backInScope: plan.backInScope,
    inScope: plan.inScope,
    inGrace: plan.inGrace.length,
    retryLater: plan.retryLater.length,
    skipped: plan.skipped.length,
  };
}
