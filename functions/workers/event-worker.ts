/** The events queue: Apple events followed to their end when the notification is late. */
import { followAssetEvent } from '../../shared/application/licenses/follow-event.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker(
  'events',
  async (deps, message) => {
    if (
      message.eventType === 'ASSOCIATE' ||
      message.eventType === 'DISASSOCIATE' ||
      message.eventType === 'REVOKE'
    ) {
      await followAssetEvent(deps, message);
    }
  },
  { deduplicate: true },
);
