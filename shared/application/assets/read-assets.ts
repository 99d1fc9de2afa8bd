/**
 * Reading an account's assets and their holders (SPEC §4 assets). Anyone who may see the account may
 * read them. An `adamId` held with both pricing parameters needs `pricingParam` (409 asset.ambiguous).
 */
import type { AssetRecord, PricingParam } from '../../domain/asset.ts';
import type { AssignmentSource, AssignmentState } from '../../domain/assignment.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { type Page, pageOf } from '../paging.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import { type AssetView, type AssignmentView, toAssetView, toAssignmentView } from './asset-view.ts';

export interface AssetReadDeps {
  readonly accounts: AccountRepository;
  readonly assets: AssetRepository;
  readonly assignments: AssignmentRepository;
}

/** The one asset an `adamId` (and optional pricing parameter) names in an account. */
export async function resolveAsset(
  deps: { assets: AssetRepository },
  accountId: string,
  adamId: string,
  pricingParam?: PricingParam,
): Promise<AssetRecord> {
  const held = (await deps.assets.findByAdamId(accountId, adamId)).filter(
    (a) => !pricingParam || a.pricingParam === pricingParam,
  );
  if (held.length === 0) throw new NotFoundError('Asset');
  if (held.length > 1) {
    throw new ConflictError(
      'asset.ambiguous',
      `This account holds ${adamId} as both STDQ and PLUS: add ?pricingParam=STDQ or ?pricingParam=PLUS.`,
    );
  }
  return held[0] as AssetRecord;
}

export async function listAssets(
  deps: AssetReadDeps,
  principal: Principal,
  accountId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    productType?: 'App' | 'Book' | undefined;
    deviceAssignable?: boolean | undefined;
  },
): Promise<Page<AssetView>> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  const assets = (await deps.assets.listByAccount(account.id)).filter(
    (a) =>
      (!query.productType || a.productType === query.productType) &&
      (query.deviceAssignable === undefined || a.deviceAssignable === query.deviceAssignable),
  );
  const page = pageOf(
    assets,
    (a) => `${a.adamId.padStart(20, '0')}:${a.pricingParam}`,
    query.limit,
    query.cursor,
  );
  return { ...page, items: page.items.map(toAssetView) };
}

export async function getAsset(
  deps: AssetReadDeps & {
    deployments?: { get(accountId: string, adamId: string, pricingParam: PricingParam): Promise<unknown> };
  },
  principal: Principal,
  accountId: string,
  adamId: string,
  pricingParam?: PricingParam,
) {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  const asset = await resolveAsset(deps, account.id, adamId, pricingParam);
  const holders = await deps.assignments.listByAsset(account.id, asset.adamId, asset.pricingParam);
  const count = (state: AssignmentState) => holders.filter((h) => h.state === state).length;
  const deployment = deps.deployments
    ? ((await deps.deployments.get(account.id, asset.adamId, asset.pricingParam)) ?? null)
    : null;
  return {
    ...toAssetView(asset),
    assignments: {
      granted: count('granted'),
      pendingGrant: count('pending-grant'),
      pendingRevoke: count('pending-revoke'),
      failed: count('failed'),
      revoked: count('revoked'),
    },
    deployment,
  };
}

export async function listAssetAssignments(
  deps: AssetReadDeps,
  principal: Principal,
  accountId: string,
  adamId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    pricingParam?: PricingParam | undefined;
    state?: AssignmentState | undefined;
    source?: AssignmentSource | undefined;
  },
): Promise<Page<AssignmentView>> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  const asset = await resolveAsset(deps, account.id, adamId, query.pricingParam);
  const holders = (await deps.assignments.listByAsset(account.id, asset.adamId, asset.pricingParam)).filter(
    (h) => (!query.state || h.state === query.state) && (!query.source || h.source === query.source),
  );
  const page = pageOf(holders, (h) => `${h.subjectType}:${h.subjectId}`, query.limit, query.cursor);
  return { ...page, items: page.items.map(toAssignmentView) };
}
