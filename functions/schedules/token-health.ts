/** Daily: every account's token status kept true, expiry e-mails sent (SPEC §5.2). */
import { checkTokenHealth } from '../../shared/application/accounts/check-token-health.ts';
import { scheduledJob } from '../lib/workers.ts';

export const handler = scheduledJob('token-health', async (deps) => ({ ...(await checkTokenHealth(deps)) }));
