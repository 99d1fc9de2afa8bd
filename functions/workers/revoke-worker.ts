/** The revocations queue: subjects sent to Apple's disassociate. */
import { submitLicenses } from '../../shared/application/licenses/submit-licenses.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker(
  'revocations',
  (deps, message, record) => submitLicenses(deps, 'revoke', message, record),
  {
    deduplicate: true,
  },
);
