/**
 * The webhook events of one settlement (one job step): `license.granted`, `license.revoked` and
 * `license.failed`, one event per job, asset and kind with every subject of it in `data.subjects`
 * (never one event per subject), and `job.finished` for each job the settlement ended. The event ids
 * come from the Apple event and the job, so a settlement run again publishes nothing new.
 */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import type { PublishDeps } from './webhook-deliveries.ts';
import { publishEvent } from './webhook-deliveries.ts';

export interface SettledMove {
  readonly record: AssignmentRecord;
  readonly next: AssignmentRecord;
  readonly error?: { readonly errorNumber?: number; readonly errorMessage?: string; readonly code?: string };
}

type Kind = 'license.granted' | 'license.revoked' | 'license.failed';

export async function publishLicenseEvents(
  deps: PublishDeps & { jobs: { get(jobId: string): Promise<{ type: string; state: string } | undefined> } },
  eventId: string | undefined,
  moves: readonly SettledMove[],
  endedJobs: readonly string[],
): Promise<void> {
  const at = deps.clock.now().toISOString();
  const groups = new Map<string, { kind: Kind; moves: SettledMove[] }>();
  for (const move of moves) {
    const { record, next } = move;
    if (!record.jobId) continue;
    const kind: Kind = move.error
      ? 'license.failed'
      : next.state === 'revoked'
        ? 'license.revoked'
        : 'license.granted';
    const key = `${record.jobId}|${record.accountId}|${record.adamId}|${record.pricingParam}|${kind}`;
    const group = groups.get(key) ?? { kind, moves: [] };
    group.moves.push(move);
    groups.set(key, group);
  }
  for (const [key, { kind, moves: list }] of groups) {
    const first = list[0]?.record;
    if (!first?.jobId) continue;
    const common = {
      jobId: first.jobId,
      ...(eventId ? { appleEventId: eventId } : {}),
      asset: { adamId: first.adamId, pricingParam: first.pricingParam },
      at,
    };
    const subject = (r: AssignmentRecord) => ({ type: r.subjectType, id: r.subjectId });
    const base = { orgId: first.orgId, accountId: first.accountId, key: `${eventId ?? 'unsent'}|${key}` };
    if (kind === 'license.failed') {
      await publishEvent(deps, {
        ...base,
        type: kind,
        data: {
          ...common,
          operation: first.state === 'pending-revoke' ? 'revoke' : 'grant',
          subjects: list.map((m) => ({
            ...subject(m.record),
            error: {
              ...(m.error?.errorNumber !== undefined
                ? { code: m.error.errorNumber }
                : m.error?.code
                  ? { code: m.error.code }
                  : {}),
              message: m.error?.errorMessage ?? 'The operation failed.',
            },
          })),
        },
      });
    } else {
      await publishEvent(deps, {
        ...base,
        type: kind,
        data: { ...common, subjects: list.map((m) => subject(m.record)) },
      });
    }
  }
  const orgOf = new Map(moves.map((m) => [m.record.jobId, m.record]));
  for (const jobId of endedJobs) {
    const job = await deps.jobs.get(jobId);
    const record = orgOf.get(jobId);
    if (!job || !record) continue;
    await publishEvent(deps, {
      type: 'job.finished',
      orgId: record.orgId,
      accountId: record.accountId,
      key: jobId,
      data: { jobId, kind: job.type, status: job.state, at },
    });
  }
}
