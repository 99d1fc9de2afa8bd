/**
 * The nightly schedule: one sync message per account (no job record: the worker leaves one only if
 * the sync finds something). Accounts whose token is revoked, claimed or invalid are skipped until an
 * admin acts; expired ones too (Apple would refuse).
 */
import type { Actor } from '../../domain/principal.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { JobRepository } from '../ports/job-repository.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import { startSync } from './start-sync.ts';

const SCHEDULE: Actor = { type: 'schedule', id: 'nightly-sync' };

export async function scheduleSyncs(deps: {
  accounts: AccountRepository;
  jobs: JobRepository;
  queue: MessageQueue;
  ids: IdGenerator;
  clock: Clock;
}): Promise<{ queued: number; skipped: number }> {
  let queued = 0;
  let skipped = 0;
  for (const account of await deps.accounts.listAll()) {
    if (account.status !== 'active' && account.status !== 'expiring') {
      skipped++;
      continue;
    }
    await startSync(deps, {
      orgId: account.orgId,
      accountId: account.id,
      full: false,
      actor: SCHEDULE,
      scheduled: true,
    });
    queued++;
  }
  return { queued, skipped };
}
