/** The grants queue: subjects sent to Apple's associate. */
import { submitLicenses } from '../../shared/application/licenses/submit-licenses.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import { queueWorker } from '../lib/workers.ts';

const maxReceiveCount = QUEUES.find((q) => q.id === 'grants')?.maxReceiveCount ?? 5;

export const handler = queueWorker(
  'grants',
  (deps, message, record) =>
    submitLicenses(deps, 'grant', message, {
      messageId: record.messageId,
      receiveCount: record.receiveCount,
      maxReceiveCount,
    }),
  {
    deduplicate: true,
  },
);
