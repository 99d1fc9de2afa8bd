/** Assets and their holders as answers show them. */
import { type AssetRecord, countsAddUp } from '../../domain/asset.ts';
import type { AssignmentRecord } from '../../domain/assignment.ts';
import { pickFields } from '../pick-fields.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';

export type AssetView = Omit<AssetRecord, 'accountId' | 'updatedAt' | 'holderCount'> & {
  /** False when Apple's counts do not add up (assigned + available ≠ total): kept as Apple said them. */
  countsConsistent: boolean;
};

export function toAssetView(a: AssetRecord): AssetView {
  const { accountId: _a, updatedAt: _u, holderCount: _h, ...view } = a;
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

/** What a licence listed by its holder says of its asset (absent: the asset is no longer known here). */
export type AssetNaming = Partial<Pick<AssetRecord, 'name' | 'productType'>>;

/**
 * Licences of a device or user with their asset's `name` and `productType` (the details list each by
 * name, not only by `adamId`): one read per asset, whatever the number of licences.
 */
export async function namedByAsset<T extends Pick<AssignmentRecord, 'accountId' | 'adamId' | 'pricingParam'>>(
  assets: Pick<AssetRepository, 'get'>,
  licences: readonly T[],
): Promise<(T & AssetNaming)[]> {
  const key = (l: T) => `${l.accountId}\u0000${l.adamId}\u0000${l.pricingParam}`;
  const distinct = [...new Map(licences.map((l) => [key(l), l])).values()];
  const found = new Map(
    await Promise.all(
      distinct.map(async (l) => [key(l), await assets.get(l.accountId, l.adamId, l.pricingParam)] as const),
    ),
  );
  return licences.map((l) => {
    const asset = found.get(key(l));
    return {
      ...l,
      ...(asset?.name !== undefined ? { name: asset.name } : {}),
      ...(asset ? { productType: asset.productType } : {}),
    };
  });
}
