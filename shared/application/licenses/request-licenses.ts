/**
 * Grants or revokes one asset for devices and users (SPEC §4, §5.4). The request is validated and
 * answered at once; the work goes to the grants or revocations queue.
 * 1. Every subject is checked: a device must be in the inventory and in one of the account's
 *    assignable networks, and the asset device-assignable and made for its platform (platform.ts); a
 *    user must be Invited or Associated; a grant needs a subject that does not hold the asset, a
 *    revocation one that does, and none may be in flight (a record waiting for Apple, or a subject of
 *    the asset's batches not closed yet); books are never revoked (`asset.irrevocable`).
 * 2. Grants reserve licences atomically: subjects beyond what is free are rejected with
 *    `licenses.exhausted`, in the order given (so the service never promises more than Apple has).
 * 3. A job counts the accepted subjects, and its batches of at most 1,000 each (one Apple call at
 *    Apple's limits) are written with it in one transaction; one queue message per batch carries it to
 *    the workers. Nothing is written per subject in the call, so 20,000 subjects answer as fast as 20:
 *    the workers move each record once, when they send it (submit-licenses.ts), and a subject another
 *    request took in the meantime fails in the job as `license.already_assigned`.
 * Answers `{job, rejected}`; with nothing accepted, 422 `license.nothing_to_do` and nothing written.
 */
import { type Account, BLOCKING_STATUSES } from '../../domain/account.ts';
import type { AssetRecord } from '../../domain/asset.ts';
import { type AssignmentSource, IN_FLIGHT, type SubjectType } from '../../domain/assignment.ts';
import { canMove } from '../../domain/assignment-state.ts';
import { normaliseSerial } from '../../domain/device.ts';
import { RuleViolationError } from '../../domain/errors.ts';
import type { Job, JobBatch } from '../../domain/job.ts';
import { platformRefusal } from '../../domain/platform.ts';
import type { Actor } from '../../domain/principal.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { newJob } from '../jobs/new-job.ts';
import type { SubjectRef } from '../messages.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { DeviceRepository } from '../ports/device-repository.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import { QueuedSubjects } from './queued-subjects.ts';

export interface LicenseDeps {
  readonly accounts: AccountRepository;
  readonly assets: AssetRepository;
  readonly assignments: AssignmentRepository;
  readonly devices: DeviceRepository;
  readonly users: UserRepository;
  readonly jobs: JobRepository;
  readonly queue: MessageQueue;
  readonly audit: AuditLog;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

export interface Rejection {
  readonly subject: string;
  readonly code: string;
  readonly reason: string;
}

export interface LicenseRequest {
  readonly kind: 'grant' | 'revoke';
  readonly account: Account;
  readonly asset: AssetRecord;
  readonly serialNumbers: readonly string[];
  readonly userIds: readonly string[];
  readonly actor: Actor;
  readonly source: AssignmentSource;
}

/** Subjects per queue message: Apple's per-call limit for serial numbers and user ids. */
export const SUBJECTS_PER_MESSAGE = 1000;

/** A job's subjects as its batches, `SUBJECTS_PER_MESSAGE` a batch (one queue message, one Apple call). */
export function jobBatches(
  batch: Omit<JobBatch, 'index' | 'subjects'>,
  subjects: readonly SubjectRef[],
): JobBatch[] {
  const batches: JobBatch[] = [];
  for (let i = 0; i < subjects.length; i += SUBJECTS_PER_MESSAGE)
    batches.push({ ...batch, index: batches.length, subjects: subjects.slice(i, i + SUBJECTS_PER_MESSAGE) });
  return batches;
}

const label = (type: SubjectType, id: string) => `${type}:${id}`;

const holdingKey = (asset: AssetRecord, subjectType: SubjectType, subjectId: string) => ({
  adamId: asset.adamId,
  pricingParam: asset.pricingParam,
  subjectType,
  subjectId,
});

/** Why a subject cannot take part, or undefined when it can. */
async function checkSubjects(
  deps: LicenseDeps,
  request: LicenseRequest,
): Promise<{ accepted: SubjectRef[]; rejected: Rejection[] }> {
  const { account, asset, kind } = request;
  const rejected: Rejection[] = [];
  const candidates: SubjectRef[] = [];
  const serials = [...new Set(request.serialNumbers.map(normaliseSerial))];
  const userIds = [...new Set(request.userIds)];
  // The three reads at once: the holdings are read for every subject named (a rejected one's read is
  // wasted, but the answer does not wait for one read after another).
  // The subjects of the asset's batches not closed yet are in flight too, before their records exist.
  const [deviceList, userList, holdings, queued] = await Promise.all([
    deps.devices.getMany(account.orgId, serials),
    deps.users.getMany(account.id, userIds),
    deps.assignments.getMany(account.id, [
      ...serials.map((id) => holdingKey(asset, 'device', id)),
      ...userIds.map((id) => holdingKey(asset, 'user', id)),
    ]),
    QueuedSubjects.of(deps.jobs, account.id, asset),
  ]);
  const devices = new Map(deviceList.map((d) => [d.serialNumber, d]));
  for (const serial of serials) {
    const device = devices.get(serial);
    if (kind === 'grant') {
      if (!device) {
        rejected.push({
          subject: label('device', serial),
          code: 'device.not_found',
          reason: 'This serial number is not in the device inventory (PUT /v1/devices).',
        });
        continue;
      }
      if (account.assignableNetworks.length > 0 && !account.assignableNetworks.includes(device.networkId)) {
        rejected.push({
          subject: label('device', serial),
          code: 'device.network_not_assignable',
          reason: `Network ${device.networkId} is not one of this account's assignable networks.`,
        });
        continue;
      }
      if (!asset.deviceAssignable) {
        rejected.push({
          subject: label('device', serial),
          code: 'asset.not_device_assignable',
          reason: 'This asset can only be assigned to users.',
        });
        continue;
      }
      const unsupported = platformRefusal(asset.supportedPlatforms, device.platform);
      if (unsupported) {
        rejected.push({ subject: label('device', serial), ...unsupported });
        continue;
      }
    }
    candidates.push({ type: 'device', id: serial });
  }
  const users = new Map(userList.map((u) => [u.id, u]));
  for (const id of userIds) {
    const user = users.get(id);
    if (!user) {
      rejected.push({
        subject: label('user', id),
        code: 'user.not_found',
        reason: 'No such user in this account.',
      });
      continue;
    }
    if (kind === 'grant' && user.status !== 'Invited' && user.status !== 'Associated') {
      rejected.push({
        subject: label('user', id),
        code: 'user.not_invited',
        reason: `The user is ${user.status}: invite them first (only Invited or Associated users get licences).`,
      });
      continue;
    }
    candidates.push({ type: 'user', id });
  }

  const held = new Map(holdings.map((r) => [label(r.subjectType, r.subjectId), r]));
  const accepted: SubjectRef[] = [];
  for (const subject of candidates) {
    const record = held.get(label(subject.type, subject.id));
    const state = record?.state;
    if ((state && IN_FLIGHT.has(state)) || queued.has(subject.type, subject.id)) {
      rejected.push({
        subject: label(subject.type, subject.id),
        code: 'assignment.in_flight',
        reason: 'An operation for this subject is still in progress at Apple.',
      });
    } else if (canMove(state, kind)) accepted.push(subject);
    else if (kind === 'grant') {
      rejected.push({
        subject: label(subject.type, subject.id),
        code: 'license.already_assigned',
        reason: 'The subject already holds this asset.',
      });
    } else {
      rejected.push({
        subject: label(subject.type, subject.id),
        code: 'license.not_assigned',
        reason: 'The subject does not hold this asset.',
      });
    }
  }
  return { accepted, rejected };
}

export async function requestLicenses(
  deps: LicenseDeps,
  request: LicenseRequest,
): Promise<{ job: Job; rejected: Rejection[] }> {
  const { account, asset, kind } = request;
  if (BLOCKING_STATUSES.has(account.status) || account.status === 'expired') {
    throw new RuleViolationError(
      `account.${account.status.replace('-', '_')}`,
      `The account's token is ${account.status}: no licence can change until an admin acts (PUT /v1/accounts/${account.id}/token).`,
    );
  }
  if (kind === 'revoke' && !asset.revocable) {
    const subjects = [
      ...request.serialNumbers.map((s) => label('device', s)),
      ...request.userIds.map((u) => label('user', u)),
    ];
    throw new RuleViolationError(
      'asset.irrevocable',
      'Books (and other irrevocable assets) cannot be taken back.',
      {
        rejected: subjects.map((subject) => ({
          subject,
          code: 'asset.irrevocable',
          reason: 'This asset cannot be revoked.',
        })),
      },
    );
  }
  const { accepted: checked, rejected } = await checkSubjects(deps, request);

  let accepted = checked;
  if (kind === 'grant' && checked.length > 0) {
    const reserved = await deps.assets.reserve(account.id, asset.adamId, asset.pricingParam, checked.length);
    accepted = checked.slice(0, reserved);
    for (const subject of checked.slice(reserved)) {
      rejected.push({
        subject: label(subject.type, subject.id),
        code: 'licenses.exhausted',
        reason: 'No licence of this asset is free for this subject.',
      });
    }
  }

  if (accepted.length === 0) {
    throw new RuleViolationError(
      'license.nothing_to_do',
      `No subject can be ${kind === 'grant' ? 'granted' : 'revoked'} this asset: see details.rejected.`,
      { rejected },
    );
  }

  // No write per subject here: the job and its batches in one transaction, then one message per batch.
  // The workers move the records (a subject another request took meanwhile fails in the job).
  const jobId = deps.ids.newId();
  const now = deps.clock.now().toISOString();
  const job = newJob({
    id: jobId,
    orgId: account.orgId,
    accountId: account.id,
    type: kind === 'grant' ? 'grant' : 'revocation',
    requested: accepted.length,
    summary: { adamId: asset.adamId, pricingParam: asset.pricingParam, rejected: rejected.length },
    actor: request.actor,
    now,
  });
  const batches = jobBatches(
    {
      jobId,
      kind,
      orgId: account.orgId,
      accountId: account.id,
      asset: { adamId: asset.adamId, pricingParam: asset.pricingParam },
      source: request.source,
      createdAt: now,
    },
    accepted,
  );
  try {
    await deps.jobs.createWithBatches(job, batches);
  } catch (error) {
    if (kind === 'grant')
      await deps.assets.unreserve(account.id, asset.adamId, asset.pricingParam, accepted.length);
    throw error;
  }
  await deps.queue.sendMany(
    kind === 'grant' ? 'grants' : 'revocations',
    batches.map((b) => ({ orgId: account.orgId, accountId: account.id, jobId, batch: b.index })),
  );
  const moved = accepted;
  const action = kind === 'grant' ? 'license.grant_requested' : 'license.revoke_requested';
  await auditTrail(deps, account.orgId, request.actor).asset(account.id, asset.adamId, action, 'accepted', {
    jobId,
    pricingParam: asset.pricingParam,
    source: request.source,
    accepted: moved.length,
    rejected: rejected.length,
    subjects: moved.slice(0, 20).map((s) => label(s.type, s.id)),
  });
  return { job, rejected };
}
