/**
 * The API's grants and revocations: the caller must manage the account (org-admin, or an admin the
 * account lists); the asset is resolved (`?pricingParam=` when ambiguous); then `requestLicenses`.
 */
import type { PricingParam } from '../../domain/asset.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { resolveAsset } from '../assets/read-assets.ts';
import { type JobView, toJobView } from '../jobs/job-view.ts';
import { type LicenseDeps, type Rejection, requestLicenses } from './request-licenses.ts';

export async function requestLicensesAsCaller(
  deps: LicenseDeps,
  principal: Principal,
  kind: 'grant' | 'revoke',
  input: {
    accountId: string;
    adamId: string;
    pricingParam?: PricingParam | undefined;
    serialNumbers: string[];
    userIds: string[];
  },
): Promise<{ job: JobView; rejected: Rejection[] }> {
  const account = await loadAccountFor(deps, principal, input.accountId, 'manage');
  const asset = await resolveAsset(deps, account.id, input.adamId, input.pricingParam);
  const { job, rejected } = await requestLicenses(deps, {
    kind,
    account,
    asset,
    serialNumbers: input.serialNumbers,
    userIds: input.userIds,
    actor: actorOf(principal),
    source: 'manual',
  });
  return { job: toJobView(job), rejected };
}
