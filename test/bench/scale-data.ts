/**
 * A large location for the sync benches: `assets` apps, `users` users (a third Registered, the rest
 * Associated) and `assignments` holdings spread evenly over the assets, every fifth to a user (the
 * users in turn), the others to devices `SN<i>`.
 */
import type { SeedInput } from '../../functions/local/apple-simulator/index.ts';

export interface ScaleSpec {
  readonly assets: number;
  readonly users: number;
  readonly assignments: number;
}

export const SCALE_ORG = 'bench';
export const SCALE_LOCATION = 'bench-big';

/** The location's apps, each with room for its share of the holdings and as many free licences. */
export function scaleAssets(spec: ScaleSpec) {
  const totalCount = Math.max(1_000, 2 * Math.ceil(spec.assignments / Math.max(1, spec.assets)));
  return Array.from({ length: spec.assets }, (_, i) => ({
    adamId: String(5_000_000_000 + i),
    pricingParam: 'STDQ' as const,
    productType: 'App' as const,
    name: `App ${i}`,
    totalCount,
    deviceAssignable: true,
  }));
}

export function scaleSeed(spec: ScaleSpec): SeedInput {
  const { assets, users, assignments } = spec;
  const assetList = scaleAssets(spec);
  const userList = Array.from({ length: users }, (_, i) => ({
    clientUserId: `user-${i}`,
    email: `u${i}@bench.test`,
    status: i % 3 === 0 ? ('Registered' as const) : ('Associated' as const),
  }));
  const holdings = Array.from({ length: assignments }, (_, i) => {
    const asset = assetList[i % assets] as (typeof assetList)[number];
    return i % 5 === 0 && users > 0
      ? {
          adamId: asset.adamId,
          pricingParam: asset.pricingParam,
          clientUserId: `user-${Math.floor(i / 5) % users}`,
        }
      : { adamId: asset.adamId, pricingParam: asset.pricingParam, serialNumber: `SN${i}` };
  });
  return {
    organizations: [
      {
        id: SCALE_ORG,
        name: 'Bench District',
        locations: [
          {
            id: SCALE_LOCATION,
            name: 'Big Location',
            assets: assetList,
            users: userList,
            assignments: holdings,
          },
        ],
      },
    ],
  };
}
