/**
 * After an account is removed, the jobs queue deletes what the service kept of it (its assets and
 * deployments, users and e-mail claims, licence records), a budget of items per message: a message that
 * does not finish queues the next. A function that read the account before its removal may still write
 * (a sync, a notification): once a pass has gone through everything, the purge looks again
 * `purgeRecheckSeconds` later, and ends (audited) with a look that finds nothing. Apple's assignments
 * stay as they are (SPEC §4); only our copy goes.
 */

import { auditTrail } from '../audit/audit-trail.ts';
import type { ParsedQueueMessage } from '../messages.ts';
import type { AccountPurger } from '../ports/account-purger.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';

export interface PurgeDeps {
  readonly accounts: AccountRepository;
  readonly purger: AccountPurger;
  readonly queue: MessageQueue;
  readonly audit: AuditLog;
  readonly settings: ServiceSettings;
}

/** Items deleted per message: about a minute of batch deletes, well inside the worker's time. */
export const PURGE_BUDGET = 20_000;

export async function purgeAccountData(
  deps: PurgeDeps,
  message: ParsedQueueMessage<'jobs'> & { type: 'account-purge' },
  budget = PURGE_BUDGET,
): Promise<{ removed: number; done: boolean }> {
  // Only the data of an account that is gone (a message for a live account deletes nothing).
  if (await deps.accounts.get(message.accountId)) return { removed: 0, done: true };
  const result = await deps.purger.purge(message.accountId, budget);
  const removed = message.removed + result.removed;
  if (!result.done) {
    await deps.queue.send('jobs', { ...message, removed });
    return result;
  }
  if (!message.recheck || result.removed > 0) {
    await deps.queue.send(
      'jobs',
      { ...message, removed, recheck: true },
      { delaySeconds: deps.settings.purgeRecheckSeconds },
    );
    return result;
  }
  const trail = auditTrail(deps, message.orgId, { type: 'system', id: 'account-purge' });
  await trail.account(message.accountId, 'account.data_purged', 'succeeded', { itemsRemoved: removed });
  return result;
}
