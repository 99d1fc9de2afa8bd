/**
 * The tasks of asset events (reference §5.3, §5.4, §10): one task per asset × subject for associate
 * and disassociate, one per revocable assignment for revoke. Each task succeeds or fails on its own;
 * a failed task changes nothing.
 *
 * Choices where Apple is silent (reference §14.4):
 * - associating a pair that is already held completes without consuming a licence;
 * - disassociating a pair that is not held completes without change;
 * - an asset the location does not hold cannot be associated (9709: no licence to give) and
 *   disassociating it completes without change;
 * - serial numbers are never validated (any serial works, as Fleet observed at Apple).
 */
import type { Assignment } from '#application/ports/vpp-schemas.ts';
import type { LocationChange } from './change-set.ts';
import {
  addAssignment,
  assignmentView,
  findAsset,
  findAssignment,
  hasFreeLicence,
  type LedgerTarget,
  removeAssignment,
} from './ledger.ts';
import { type AssignmentTask, activeUser, assignmentKey, type EventPayload } from './state.ts';

/** The outcome of one asset task. */
export interface AssetTaskResult {
  /** The task in Apple's assignment shape, for notifications and `errorInfo`. */
  readonly assignment: Assignment;
  /** Apple's error number when the task failed. */
  readonly error?: number;
}

/** Decides, per task, whether an injected fault fails it; returns the error number or undefined. */
export type TaskFault = () => number | undefined;

/** Every task of an asset event, in Apple's order: each asset with its users, then its devices. */
export function assetEventTasks(payload: EventPayload): AssignmentTask[] {
  if (payload.kind === 'revoke') return payload.tasks;
  if (payload.kind !== 'assets') return [];
  const tasks: AssignmentTask[] = [];
  for (const asset of payload.assets) {
    for (const clientUserId of payload.clientUserIds) tasks.push({ ...asset, clientUserId });
    for (const serialNumber of payload.serialNumbers) tasks.push({ ...asset, serialNumber });
  }
  return tasks;
}

/** Associate one asset with one user or device: consumes a licence unless already held. */
export function runAssociate(
  change: LocationChange,
  task: AssignmentTask,
  fault: TaskFault,
): AssetTaskResult {
  const assignment = assignmentView(task);
  const failed = fault();
  if (failed !== undefined) return { assignment, error: failed };
  const location = change.location;
  const asset = findAsset(location, task);
  let target: LedgerTarget;
  if (task.serialNumber !== undefined) {
    target = { serialNumber: task.serialNumber };
  } else {
    // Unknown and retired users cannot receive licences (reference §10: 9609).
    const user = activeUser(location, task.clientUserId ?? '');
    if (!user) return { assignment, error: 9609 };
    target = { user };
  }
  if (!asset) return { assignment, error: 9709 };
  if (findAssignment(location, asset, target)) return { assignment };
  if (!hasFreeLicence(asset)) return { assignment, error: 9709 };
  addAssignment(change, asset, target);
  return { assignment };
}

/** Disassociate one asset from one user or device: frees the licence if held. */
export function runDisassociate(
  change: LocationChange,
  task: AssignmentTask,
  fault: TaskFault,
): AssetTaskResult {
  const assignment = assignmentView(task);
  const failed = fault();
  if (failed !== undefined) return { assignment, error: failed };
  const location = change.location;
  let target: LedgerTarget;
  if (task.serialNumber !== undefined) {
    target = { serialNumber: task.serialNumber };
  } else {
    const user = activeUser(location, task.clientUserId ?? '');
    if (!user) return { assignment, error: 9609 };
    target = { user };
  }
  const asset = findAsset(location, task);
  const held = asset && findAssignment(location, asset, target);
  if (held) removeAssignment(change, held);
  return { assignment };
}

/** Revoke tasks name an existing assignment (listed at acceptance); it may have gone since. */
export function runRevoke(change: LocationChange, task: AssignmentTask, fault: TaskFault): AssetTaskResult {
  const assignment = assignmentView(task);
  const failed = fault();
  if (failed !== undefined) return { assignment, error: failed };
  const held = change.location.assignments.get(assignmentKey(task, task));
  if (held) removeAssignment(change, held);
  return { assignment };
}
