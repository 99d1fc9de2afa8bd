/** The revocations queue: subjects sent to Apple's disassociate. */
import { submitLicenses } from '../../shared/application/licenses/submit-licenses.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import { queueWorker } from '../lib/workers.ts';

const maxReceiveCount = QUEUES.find((q) => q.id === 'revocations')?.maxReceiveCount ?? 5;

export const handler = queueWorker(
  'revocations',
  (deps, message, record) =>
    submitLicenses(deps, 'revoke', message, {
      messageId: record.messageId,
      receiveCount: record.receiveCount,
      maxReceiveCount,
    }),
  {
    deduplicate: true,
  },
);
