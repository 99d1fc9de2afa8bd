/** Assets and their holders as answers show them. */
import { type AssetRecord, countsAddUp } from '../../domain/asset.ts';
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { pickFields } from '../pick-fields.ts';

export type AssetView = Omit<AssetRecord, 'accountId' | 'updatedAt'> & {
  /** False when Apple's counts do not add up (assigned + available ≠ total): kept as Apple said them. */
  countsConsistent: boolean;
};

export function toAssetView(a: AssetRecord): AssetView {
  const { accountId: _a, updatedAt: _u, ...view } = a;
  return { ...view, countsConsistent: countsAddUp(a) };
}

export const ASSIGNMENT_VIEW_FIELDS = [
  'adamId',
  'pricingParam',
  'subjectType',
  'subjectId',
  'state',
  'source',
  'jobId',
  'error',
  'updatedAt',
] as const;

export type AssignmentView = Pick<AssignmentRecord, (typeof ASSIGNMENT_VIEW_FIELDS)[number]>;

export const toAssignmentView = (r: AssignmentRecord): AssignmentView =>
  pickFields(r, ASSIGNMENT_VIEW_FIELDS);
