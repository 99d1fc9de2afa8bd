/** The events queue: Apple events followed to their end when the notification is late. */
import { followAssetEvent } from '../../shared/application/licenses/follow-asset-event.ts';
import { followUserEvent } from '../../shared/application/users/follow-user-event.ts';
import { retireAtApple } from '../../shared/application/users/retirements.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker(
  'events',
  async (deps, message, record) => {
    if (message.eventType === 'CREATE' || message.eventType === 'UPDATE' || message.eventType === 'RETIRE') {
      await followUserEvent(deps, message);
      return;
    }
    // A retirement's revocation, once ended, goes on to retire the users at Apple.
    await followAssetEvent(
      deps,
      message,
      async (ended) => {
        if (ended.afterwards && ended.jobId) {
          await retireAtApple(deps, ended.accountId, ended.jobId, ended.afterwards.retireUsers, record);
        }
      },
      record.batch,
    );
  },
  { deduplicate: true },
);
