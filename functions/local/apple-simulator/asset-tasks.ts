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
  activeTarget,
  assignFreeLicence,
  assignmentView,
  findAsset,
  releaseHeld,
  removeAssignment,
} from './ledger.ts';
import { type AssignmentTask, assignmentKey, type EventPayload } from './state.ts';

/** The outcome of one asset task. */
export interface AssetTaskResult {
  /** The task in Apple's assignment shape, for notifications and `errorInfo`. */
  readonly assignment: Assignment;
  /** Apple's error number when the task failed. */
  readonly error?: number;
}

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
export function runAssociate(change: LocationChange, task: AssignmentTask): AssetTaskResult {
  const assignment = assignmentView(task);
  // Unknown and retired users cannot receive licences (reference §10: 9609).
  const target = activeTarget(change.location, task);
  if (!target) return { assignment, error: 9609 };
  const asset = findAsset(change.location, task);
  if (!asset || assignFreeLicence(change, asset, target) === 'none-free') return { assignment, error: 9709 };
  return { assignment };
}

/** Disassociate one asset from one user or device: frees the licence if held. */
export function runDisassociate(change: LocationChange, task: AssignmentTask): AssetTaskResult {
  const assignment = assignmentView(task);
  const target = activeTarget(change.location, task);
  if (!target) return { assignment, error: 9609 };
  const asset = findAsset(change.location, task);
  if (asset) releaseHeld(change, asset, target);
  return { assignment };
}

/** Revoke tasks name an existing assignment (listed at acceptance); it may have gone since. */
export function runRevoke(change: LocationChange, task: AssignmentTask): AssetTaskResult {
  const held = change.location.assignments.get(assignmentKey(task, task));
  if (held) removeAssignment(change, held);
  return { assignment: assignmentView(task) };
}
