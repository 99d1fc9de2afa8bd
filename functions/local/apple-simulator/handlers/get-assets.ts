/**
 * `GET assets` (reference §5.1): filters, paging and `versionId` (no `sinceVersionId`: Apple ignores
 * it here). Unlimited assets: with `unlimited` omitted they are listed in `assets` with `totalCount`
 * 2147483647 (and `availableCount` = that minus `assignedCount`, keeping the invariant; Apple leaves it
 * unsaid); with `unlimited=true` they come in `unlimitedAssets` without counts; with `false` they are left out.
 */
import type { AppleHandler } from '../apple-request.ts';
import { assetView, unlimitedAssetView } from '../ledger.ts';
import { afterPageServed } from '../page-faults.ts';
import { paginate, requestedPage } from '../paging.ts';
import { booleanParam, enumParam, integerParam, stringParam } from '../query.ts';
import { type AssetRecord, availableCount } from '../state.ts';

/** `GET assets`. */
export const getAssets: AppleHandler = (ctx, req) => {
  const q = req.query;
  const pageIndex = requestedPage(q);
  const filter = {
    adamId: stringParam(q, 'adamId'),
    productType: enumParam(q, 'productType', ['App', 'Book'] as const),
    pricingParam: enumParam(q, 'pricingParam', ['STDQ', 'PLUS'] as const),
    revocable: booleanParam(q, 'revocable'),
    deviceAssignable: booleanParam(q, 'deviceAssignable'),
    minAvailableCount: integerParam(q, 'minAvailableCount'),
    maxAvailableCount: integerParam(q, 'maxAvailableCount'),
    minAssignedCount: integerParam(q, 'minAssignedCount'),
    maxAssignedCount: integerParam(q, 'maxAssignedCount'),
  };
  const unlimited = booleanParam(q, 'unlimited');
  const matches = (a: AssetRecord): boolean =>
    ctx.faults.config.ignoreFilters === true ||
    ((filter.adamId === undefined || a.adamId === filter.adamId) &&
      (filter.productType === undefined || a.productType === filter.productType) &&
      (filter.pricingParam === undefined || a.pricingParam === filter.pricingParam) &&
      (filter.revocable === undefined || a.revocable === filter.revocable) &&
      (filter.deviceAssignable === undefined || a.deviceAssignable === filter.deviceAssignable) &&
      (filter.minAvailableCount === undefined || availableCount(a) >= filter.minAvailableCount) &&
      (filter.maxAvailableCount === undefined || availableCount(a) <= filter.maxAvailableCount) &&
      (filter.minAssignedCount === undefined || a.assignedCount >= filter.minAssignedCount) &&
      (filter.maxAssignedCount === undefined || a.assignedCount <= filter.maxAssignedCount));

  const all = [...req.location.assets.values()].filter(matches);
  // With `unlimited=true` the limited assets come first, then the unlimited ones, over one paging.
  const ordered =
    unlimited === false
      ? all.filter((a) => !a.unlimited)
      : unlimited === true
        ? [...all.filter((a) => !a.unlimited), ...all.filter((a) => a.unlimited)]
        : all;
  const { items, meta } = paginate(ordered, pageIndex, ctx.options.pageSize);
  const body =
    unlimited === true
      ? {
          assets: items.filter((a) => !a.unlimited).map(assetView),
          unlimitedAssets: items.filter((a) => a.unlimited).map(unlimitedAssetView),
        }
      : { assets: items.map(assetView) };
  const answer = { ...body, ...meta, versionId: req.location.assetsVersionId };
  afterPageServed(ctx, req.location, 'assets', meta);
  return answer;
};
