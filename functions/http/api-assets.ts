/** Assets, their holders, grants, revocations and deployments. */
import { getAsset, listAssetAssignments, listAssets } from '../../shared/api/assets.ts';
import {
  deleteDeployment,
  getDeploymentPlan,
  previewDeploymentPlan,
  putDeployment,
  reconcileDeployment,
} from '../../shared/api/deployments.ts';
import { grantLicenses, revokeLicenses } from '../../shared/api/licenses.ts';
import * as assets from '../../shared/application/assets/read-assets.ts';
import * as deployments from '../../shared/application/deployments/manage-deployments.ts';
import { requestLicensesAsCaller } from '../../shared/application/licenses/request-licenses-as-caller.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(listAssets, async ({ deps, principal, params, query }) => ({
    body: await assets.listAssets(deps, principal, params.accountId, query),
  })),
  bind(getAsset, async ({ deps, principal, params, query }) => ({
    body: await assets.getAsset(deps, principal, params.accountId, params.adamId, query.pricingParam),
  })),
  bind(listAssetAssignments, async ({ deps, principal, params, query }) => ({
    body: await assets.listAssetAssignments(deps, principal, params.accountId, params.adamId, query),
  })),
  bind(grantLicenses, async ({ deps, principal, params, query, body }) => ({
    status: 202,
    body: await requestLicensesAsCaller(deps, principal, 'grant', { ...params, ...query, ...body }),
  })),
  bind(revokeLicenses, async ({ deps, principal, params, query, body }) => ({
    status: 202,
    body: await requestLicensesAsCaller(deps, principal, 'revoke', { ...params, ...query, ...body }),
  })),
  bind(putDeployment, async ({ deps, principal, params, query, body }) => ({
    body: await deployments.putDeployment(deps, principal, { ...params, ...query, ...body }),
  })),
  bind(deleteDeployment, async ({ deps, principal, params, query }) => ({
    body: await deployments.removeDeployment(
      deps,
      principal,
      params.accountId,
      params.adamId,
      query.pricingParam,
    ),
  })),
  bind(getDeploymentPlan, async ({ deps, principal, params, query }) => ({
    body: await deployments.getPlan(deps, principal, params.accountId, params.adamId, query.pricingParam),
  })),
  bind(previewDeploymentPlan, async ({ deps, principal, params, query, body }) => ({
    body: await deployments.previewPlan(deps, principal, { ...params, ...query, ...body }),
  })),
  bind(reconcileDeployment, async ({ deps, principal, params, query }) => ({
    status: 202,
    body: await deployments.requestReconcile(
      deps,
      principal,
      params.accountId,
      params.adamId,
      query.pricingParam,
    ),
  })),
);
