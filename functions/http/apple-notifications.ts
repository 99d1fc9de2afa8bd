/** Apple's notifications: authenticated by the account's secret, answered at once, work queued. */
import { receiveAppleNotification as route } from '../../shared/api/apple.ts';
import { queueAppleNotification } from '../../shared/application/notifications/queue-apple-notification.ts';
import { bind, httpFunction } from '../lib/http.ts';

const UNAUTHORIZED = {
  status: 401,
  body: { error: { code: 'auth.unauthorized', message: 'Unauthorized.' } },
};
const MALFORMED = {
  status: 400,
  body: {
    error: {
      code: 'notification.malformed',
      message: 'The notification is not a JSON envelope Apple sends.',
    },
  },
};

export const handler = httpFunction(
  bind(route, async ({ deps, params, headers, rawBody }) => {
    const outcome = await queueAppleNotification(deps, {
      accountId: params.accountId,
      authorization: headers.authorization,
      body: rawBody ?? '',
    });
    if (outcome === 'unauthorized') return UNAUTHORIZED;
    if (outcome === 'malformed') return MALFORMED;
    return { body: { received: true } };
  }),
);
