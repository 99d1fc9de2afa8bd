/** The endpoint Apple posts its notifications to (SPEC §5.6). */
import * as z from 'zod';
import { defineRoute } from './route.ts';

export const receiveAppleNotification = defineRoute({
  id: 'receiveAppleNotification',
  method: 'POST',
  path: '/apple/notifications/{accountId}',
  auth: 'apple-secret',
  summary:
    "Apple's notifications for one account, authenticated by the account's notification secret (Authorization: Bearer).",
  tag: 'apple',
  params: z.object({ accountId: z.string().min(1).max(64) }),
  bodyType: 'raw',
  response: { status: 200, schema: z.object({ received: z.boolean() }).meta({ id: 'NotificationReceived' }) },
  errors: [401],
});
