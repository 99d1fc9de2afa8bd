/** Nightly (configurable): a sync of every account (SPEC §5.3). */
import { scheduleSyncs } from '../../shared/application/sync/schedule-syncs.ts';
import { scheduledJob } from '../lib/workers.ts';

export const handler = scheduledJob('nightly-sync', async (deps) => ({ ...(await scheduleSyncs(deps)) }));
