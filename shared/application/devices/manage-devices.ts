/**
 * The device inventory (SPEC §3, §4): written by org-admins, read by everyone in the organisation.
 * - putDevices: bulk upsert (serials normalised to upper case; the last entry of a serial wins).
 * - removeDevice: the device leaves the inventory and its licences are reclaimed in every account
 *   with Apple's `assets/revoke` (a job: holdings move to pending-revoke now, the job worker sends).
 */
import { HOLDING } from '../../domain/assignment.ts';
import { canMove, next } from '../../domain/assignment-state.ts';
import { type Device, normaliseSerial } from '../../domain/device.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { actorOf, canReadAccount, type Principal, requireRole } from '../../domain/principal.ts';
import { namedByAsset, toAssignmentView } from '../assets/asset-view.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { type ReconcileTrigger, scheduleReconciliation } from '../deployments/manage-deployments.ts';
import { type StartedJob, toStartedJob } from '../jobs/job-view.ts';
import { newJob } from '../jobs/new-job.ts';
import type { LicenseDeps } from '../licenses/request-licenses.ts';
import { type Page, pageOf } from '../paging.ts';
import { type DeviceDetail, type DeviceLicense, type DeviceView, toDeviceView } from './device-view.ts';

/** A device as an API caller reports it (the serial number in any case). */
export interface DeviceInput {
  serialNumber: string;
  networkId: string;
  tags: string[];
  platform?: string;
  ownerEmail?: string;
}

export interface DevicesUpserted {
  created: number;
  updated: number;
}

export async function putDevices(
  deps: LicenseDeps & ReconcileTrigger,
  principal: Principal,
  input: readonly DeviceInput[],
): Promise<DevicesUpserted> {
  requireRole(principal, 'org-admin');
  const now = deps.clock.now().toISOString();
  const bySerial = new Map(input.map((d) => [normaliseSerial(d.serialNumber), d]));
  const existing = new Map(
    (await deps.devices.getMany(principal.orgId, [...bySerial.keys()])).map((d) => [d.serialNumber, d]),
  );
  const devices: Device[] = [...bySerial].map(([serialNumber, d]) => ({
    orgId: principal.orgId,
    serialNumber,
    networkId: d.networkId,
    tags: [...new Set(d.tags)],
    ...(d.platform ? { platform: d.platform } : {}),
    ...(d.ownerEmail ? { ownerEmail: d.ownerEmail } : {}),
    lastSeenAt: now,
    createdAt: existing.get(serialNumber)?.createdAt ?? now,
    updatedAt: now,
  }));
  await deps.devices.putMany(devices);
  const created = devices.filter((d) => !existing.has(d.serialNumber)).length;
  // Networks and tags decide the deployments a device falls in.
  await scheduleReconciliation(deps, principal.orgId);
  await auditTrail(deps, principal.orgId, actorOf(principal)).inventory('device.upserted', 'succeeded', {
    created,
    updated: devices.length - created,
    serials: devices.slice(0, 20).map((d) => d.serialNumber),
  });
  return { created, updated: devices.length - created };
}

export async function listDevices(
  deps: LicenseDeps,
  principal: Principal,
  query: {
    limit: number;
    cursor?: string | undefined;
    networkId?: string | undefined;
    tag?: string | undefined;
    serialPrefix?: string | undefined;
  },
): Promise<Page<DeviceView>> {
  const prefix = query.serialPrefix === undefined ? undefined : normaliseSerial(query.serialPrefix);
  const devices = (await deps.devices.listByOrg(principal.orgId)).filter(
    (d) =>
      (!query.networkId || d.networkId === query.networkId) &&
      (!query.tag || d.tags.includes(query.tag)) &&
      (prefix === undefined || d.serialNumber.startsWith(prefix)),
  );
  const page = pageOf(devices, (d) => d.serialNumber, query.limit, query.cursor);
  return { ...page, items: page.items.map(toDeviceView) };
}

export async function getDevice(
  deps: LicenseDeps,
  principal: Principal,
  serial: string,
): Promise<DeviceDetail> {
  const device = await deps.devices.get(principal.orgId, normaliseSerial(serial));
  if (!device) throw new NotFoundError('Device');
  const readable = new Set(
    (await deps.accounts.listByOrg(principal.orgId))
      .filter((a) => canReadAccount(principal, a))
      .map((a) => a.id),
  );
  const held = (
    await deps.assignments.listBySubject(principal.orgId, undefined, 'device', device.serialNumber)
  ).filter((a) => readable.has(a.accountId) && HOLDING.has(a.state));
  const licenses = (await namedByAsset(deps.assets, held)).map(
    (a): DeviceLicense => ({
      accountId: a.accountId,
      ...toAssignmentView(a),
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.productType !== undefined ? { productType: a.productType } : {}),
    }),
  );
  return { ...toDeviceView(device), licenses };
}

export async function removeDevice(
  deps: LicenseDeps,
  principal: Principal,
  serial: string,
): Promise<StartedJob> {
  requireRole(principal, 'org-admin');
  const serialNumber = normaliseSerial(serial);
  const device = await deps.devices.get(principal.orgId, serialNumber);
  if (!device) throw new NotFoundError('Device');
  const jobId = deps.ids.newId();
  const now = deps.clock.now().toISOString();
  // Every licence the device holds (books are never device licences, but check anyway), in the
  // accounts that still exist (a removed account's records wait for their purge; Apple keeps those).
  const accounts = new Set((await deps.accounts.listByOrg(principal.orgId)).map((a) => a.id));
  const held = (
    await deps.assignments.listBySubject(principal.orgId, undefined, 'device', serialNumber)
  ).filter((a) => canMove(a.state, 'revoke') && accounts.has(a.accountId));
  let requested = 0;
  for (const record of held) {
    const asset = await deps.assets.get(record.accountId, record.adamId, record.pricingParam);
    if (asset && !asset.revocable) continue;
    const moved = next(record, 'revoke', now, { jobId, eventId: undefined });
    if (await deps.assignments.transition(moved.record, moved.from)) requested++;
  }
  await deps.devices.remove(principal.orgId, serialNumber);
  const actor = actorOf(principal);
  const job = newJob({
    id: jobId,
    orgId: principal.orgId,
    type: 'device-removal',
    state: requested === 0 ? 'succeeded' : 'queued',
    requested,
    summary: { serialNumber },
    actor,
    now,
  });
  await deps.jobs.create(job);
  if (requested > 0)
    await deps.queue.send('jobs', { type: 'device-removal', orgId: principal.orgId, jobId, serialNumber });
  await auditTrail(deps, principal.orgId, actor).device(serialNumber, 'device.removed', 'accepted', {
    jobId,
    licencesToReclaim: requested,
  });
  return toStartedJob(job);
}
