/**
 * The device inventory (SPEC §3, §4): written by org-admins, read by everyone in the organisation.
 * - putDevices: bulk upsert (serials normalised to upper case; the last entry of a serial wins).
 * - removeDevice: the device leaves the inventory and its licences are reclaimed in every account
 *   with Apple's `assets/revoke` (a job: holdings move to pending-revoke now, the job worker sends).
 */
import type * as z from 'zod';
import type { DeviceInputSchema } from '../../api/devices.ts';
import { HOLDING } from '../../domain/assignment.ts';
import { canMove, next } from '../../domain/assignment-state.ts';
import { type Device, normaliseSerial } from '../../domain/device.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Job } from '../../domain/job.ts';
import { actorOf, canReadAccount, type Principal, requireRole } from '../../domain/principal.ts';
import { actorName } from '../accounts/request-sync.ts';
import { toAssignmentView } from '../assets/read-assets.ts';
import { type ReconcileTrigger, scheduleReconciliation } from '../deployments/manage-deployments.ts';
import type { LicenseDeps } from '../licenses/request-licenses.ts';
import { type Page, pageOf } from '../paging.ts';

type DeviceInput = z.output<typeof DeviceInputSchema>;

export function toDeviceView(d: Device) {
  const { orgId: _org, ...view } = d;
  return view;
}

export async function putDevices(
  deps: LicenseDeps & ReconcileTrigger,
  principal: Principal,
  input: readonly DeviceInput[],
): Promise<{ created: number; updated: number }> {
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
  await deps.audit.record({
    orgId: principal.orgId,
    actor: actorOf(principal),
    action: 'device.upserted',
    target: `devices:${principal.orgId}`,
    result: 'succeeded',
    details: {
      created,
      updated: devices.length - created,
      serials: devices.slice(0, 20).map((d) => d.serialNumber),
    },
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
  },
): Promise<Page<ReturnType<typeof toDeviceView>>> {
  const devices = (await deps.devices.listByOrg(principal.orgId)).filter(
    (d) =>
      (!query.networkId || d.networkId === query.networkId) && (!query.tag || d.tags.includes(query.tag)),
  );
  const page = pageOf(devices, (d) => d.serialNumber, query.limit, query.cursor);
  return { ...page, items: page.items.map(toDeviceView) };
}

export async function getDevice(deps: LicenseDeps, principal: Principal, serial: string) {
  const device = await deps.devices.get(principal.orgId, normaliseSerial(serial));
  if (!device) throw new NotFoundError('Device');
  const readable = new Set(
    (await deps.accounts.listByOrg(principal.orgId))
      .filter((a) => canReadAccount(principal, a))
      .map((a) => a.id),
  );
  const licenses = (
    await deps.assignments.listBySubject(principal.orgId, undefined, 'device', device.serialNumber)
  )
    .filter((a) => readable.has(a.accountId) && HOLDING.has(a.state))
    .map((a) => ({ accountId: a.accountId, ...toAssignmentView(a) }));
  return { ...toDeviceView(device), licenses };
}

export async function removeDevice(deps: LicenseDeps, principal: Principal, serial: string): Promise<Job> {
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
  const job: Job = {
    id: jobId,
    orgId: principal.orgId,
    type: 'device-removal',
    state: requested === 0 ? 'succeeded' : 'queued',
    requested,
    completed: 0,
    failed: 0,
    failures: [],
    summary: { serialNumber },
    createdBy: actorName(actorOf(principal)),
    createdAt: now,
    updatedAt: now,
  };
  await deps.jobs.create(job);
  if (requested > 0)
    await deps.queue.send('jobs', { type: 'device-removal', orgId: principal.orgId, jobId, serialNumber });
  await deps.audit.record({
    orgId: principal.orgId,
    actor: actorOf(principal),
    action: 'device.removed',
    target: `device:${serialNumber}`,
    result: 'accepted',
    details: { jobId, licencesToReclaim: requested },
  });
  return job;
}
