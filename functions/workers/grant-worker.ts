/** The grants queue: subjects sent to Apple's associate. */
import { submitLicenses } from '../../shared/application/licenses/submit-licenses.ts';
import { queueWorker } from '../lib/workers.ts';

export const handler = queueWorker(
  'grants',
  (deps, message, record) => submitLicenses(deps, 'grant', message, record),
  {
    deduplicate: true,
  },
);
