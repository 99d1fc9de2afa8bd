/**
 * The licence report: one row per asset of the accounts the caller may see, with the deployment's
 * scope and shortage computed the way the reconciler plans them.
 */
import type { PricingParam } from '../../domain/asset.ts';
import type { Device } from '../../domain/device.ts';
import { canReadAccount, type Principal } from '../../domain/principal.ts';
import type { DeploymentDeps } from './manage-deployments.ts';
import { planFor } from './reconcile.ts';

/** One asset of one account; null counts: unlimited (or, for inScope, no deployment). */
export interface LicenseReportRow {
  accountId: string;
  accountName: string;
  adamId: string;
  pricingParam: PricingParam;
  name?: string;
  productType: 'App' | 'Book';
  /** The asset can be assigned to devices (false: users only). */
  deviceAssignable: boolean;
  /** A licence can be taken back (false for books). */
  revocable: boolean;
  total: number | null;
  assigned: number;
  available: number | null;
  pending: number;
  /** Subjects in the deployment scope. */
  inScope: number | null;
  /** In scope but without a licence, beyond what is free. */
  shortage: number;
}

export async function licenseReport(
  deps: DeploymentDeps,
  principal: Principal,
  accountId?: string,
): Promise<LicenseReportRow[]> {
  const accounts = (await deps.accounts.listByOrg(principal.orgId)).filter(
    (a) => canReadAccount(principal, a) && (!accountId || a.id === accountId),
  );
  const rows: LicenseReportRow[] = [];
  let devices: Device[] | undefined;
  for (const account of accounts.sort((a, b) => a.name.localeCompare(b.name))) {
    const deployments = new Map(
      (await deps.deployments.list(account.orgId))
        .filter((d) => d.accountId === account.id)
        .map((d) => [`${d.adamId}:${d.pricingParam}`, d]),
    );
    const users = [...deployments.values()].some((d) => d.method === 'user')
      ? await deps.users.listByAccount(account.id)
      : [];
    for (const asset of await deps.assets.listByAccount(account.id)) {
      const deployment = deployments.get(`${asset.adamId}:${asset.pricingParam}`);
      let inScope: number | null = null;
      let shortage = 0;
      if (deployment) {
        devices ??= await deps.devices.listByOrg(account.orgId);
        const planned = await planFor(deps, account, deployment, { devices, users });
        inScope = planned?.plan.inScope ?? 0;
        shortage = planned?.plan.shortage.length ?? 0;
      }
      rows.push({
        accountId: account.id,
        accountName: account.name,
        adamId: asset.adamId,
        pricingParam: asset.pricingParam,
        ...(asset.name ? { name: asset.name } : {}),
        productType: asset.productType,
        deviceAssignable: asset.deviceAssignable,
        revocable: asset.revocable,
        total: asset.unlimited ? null : asset.totalCount,
        assigned: asset.assignedCount,
        available: asset.unlimited ? null : asset.availableCount,
        pending: asset.pendingCount,
        inScope,
        shortage,
      });
    }
  }
  return rows;
}

/** RFC 4180 CSV: quoted where needed, CRLF line ends, a header row. */
export function toCsv(rows: readonly LicenseReportRow[]): string {
  const columns = [
    'accountId',
    'accountName',
    'adamId',
    'pricingParam',
    'name',
    'productType',
    'deviceAssignable',
    'revocable',
    'total',
    'assigned',
    'available',
    'pending',
    'inScope',
    'shortage',
  ] as const;
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    // A leading =, +, - or @ would run as a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n'
  );
}
