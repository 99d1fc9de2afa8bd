/**
 * Faults that play on paged reads (reference §7, §13.8): the data set changing between the pages of a
 * walk. `versionChangeBetweenPages` touches a record after every page served, so the next page carries
 * a new `versionId`; `pagesGrow` adds a page worth of records after the first page of a multi-page
 * walk, so `totalPages` grows while the client is traversing (once per walk, or a walk would never end).
 */
import { randomBytes } from 'node:crypto';
import { LocationChange } from './change-set.ts';
import type { SimulatorContext } from './context.ts';
import { addAssignment } from './ledger.ts';
import type { PageMeta } from './paging.ts';
import { assetKey, availableCount, type LocationRecord } from './state.ts';
import { addUser } from './user-registry.ts';

/** The data sets served page by page. */
export type PagedDataSet = 'assets' | 'assignments' | 'users';

/** Applies the paging faults once a page has been answered. */
export function afterPageServed(
  ctx: SimulatorContext,
  location: LocationRecord,
  dataSet: PagedDataSet,
  meta: PageMeta,
): void {
  const faults = ctx.faults.config;
  if (faults.pagesGrow && meta.currentPageIndex === 0 && meta.nextPageIndex !== undefined) {
    grow(ctx, location, dataSet);
    ctx.changed();
  } else if (faults.versionChangeBetweenPages) {
    touch(location, dataSet);
    ctx.changed();
  }
}

function touch(location: LocationRecord, dataSet: PagedDataSet): void {
  const change = new LocationChange(location);
  if (dataSet === 'assets') change.assetsChanged();
  else if (dataSet === 'users') {
    const first = location.users.values().next();
    const stamp = change.usersStamp();
    if (!first.done) first.value.version = stamp;
  } else {
    const first = location.assignments.values().next();
    const stamp = change.assignmentsStamp();
    if (!first.done) first.value.version = stamp;
  }
}

function grow(ctx: SimulatorContext, location: LocationRecord, dataSet: PagedDataSet): void {
  const change = new LocationChange(location);
  const count = ctx.options.pageSize;
  const tag = randomBytes(3).toString('hex');
  if (dataSet === 'users') {
    for (let i = 0; i < count; i += 1)
      addUser(change, { clientUserId: `sim-grow-${tag}-${i}`, status: 'Registered' });
    return;
  }
  if (dataSet === 'assets') {
    let adamId = 990_000_000;
    for (let added = 0; added < count; adamId += 1) {
      if (location.assets.has(assetKey({ adamId: String(adamId), pricingParam: 'STDQ' }))) continue;
      location.assets.set(assetKey({ adamId: String(adamId), pricingParam: 'STDQ' }), {
        adamId: String(adamId),
        pricingParam: 'STDQ',
        productType: 'App',
        name: `Growth App ${adamId}`,
        unlimited: false,
        totalCount: 10,
        assignedCount: 0,
        retiredCount: 0,
        deviceAssignable: true,
        revocable: true,
        supportedPlatforms: ['iOS'],
      });
      added += 1;
    }
    change.assetsChanged();
    return;
  }
  // Assignments made elsewhere (another admin): the first device-assignable app, topped up if short.
  const asset = [...location.assets.values()].find((a) => a.deviceAssignable);
  if (!asset) return;
  if (!asset.unlimited && availableCount(asset) < count) asset.totalCount += count - availableCount(asset);
  for (let i = 0; i < count; i += 1)
    addAssignment(change, asset, { serialNumber: `GROW${tag}${i}`.toUpperCase() });
}
