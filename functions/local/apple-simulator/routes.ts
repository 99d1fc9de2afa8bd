/**
 * The Apple endpoints the simulator serves (reference §2.1), by path relative to `/mdm/v2/`, with a
 * handler per allowed method. A known path with another method answers 9726; `service/config` is the
 * only one without authentication.
 */
import type { AppleHandler } from './apple-request.ts';
import { getClientConfig, postClientConfig } from './handlers/client-config.ts';
import { eventStatus } from './handlers/event-status.ts';
import { getAssets } from './handlers/get-assets.ts';
import { getAssignments } from './handlers/get-assignments.ts';
import { getUsers } from './handlers/get-users.ts';
import { associateAssets, disassociateAssets, revokeAssets } from './handlers/manage-assets.ts';
import { createUsers, retireUsers, updateUsers } from './handlers/manage-users.ts';
import {
  addSubscriptionAdmins,
  associateSubscriptions,
  disableSubscriptions,
  disassociateSubscriptions,
  enableSubscriptions,
  getSubscriptionAdmins,
  getSubscriptionAssignments,
  getSubscriptions,
  removeSubscriptionAdmins,
} from './handlers/subscriptions.ts';

/** One Apple path: whether it needs a token, and its handler per method. */
export interface AppleRoute {
  readonly authenticated: boolean;
  readonly methods: Readonly<Partial<Record<'GET' | 'POST', AppleHandler>>>;
  /** The subscription reads and admin writes carry no `mdmInfo` (apple-subscriptions.md U16). */
  readonly withoutMdmInfo?: boolean;
}

const subscriptionRoute = (methods: AppleRoute['methods']): AppleRoute => ({
  authenticated: true,
  methods,
  withoutMdmInfo: true,
});

/** Every Apple path the simulator serves. */
export const APPLE_ROUTES: ReadonlyMap<string, AppleRoute> = new Map<string, AppleRoute>([
  // service/config is answered by the router itself: it needs no location.
  ['service/config', { authenticated: false, methods: {} }],
  ['client/config', { authenticated: true, methods: { GET: getClientConfig, POST: postClientConfig } }],
  ['assets', { authenticated: true, methods: { GET: getAssets } }],
  ['assignments', { authenticated: true, methods: { GET: getAssignments } }],
  ['assets/associate', { authenticated: true, methods: { POST: associateAssets } }],
  ['assets/disassociate', { authenticated: true, methods: { POST: disassociateAssets } }],
  ['assets/revoke', { authenticated: true, methods: { POST: revokeAssets } }],
  ['status', { authenticated: true, methods: { GET: eventStatus } }],
  ['users', { authenticated: true, methods: { GET: getUsers } }],
  ['users/create', { authenticated: true, methods: { POST: createUsers } }],
  ['users/update', { authenticated: true, methods: { POST: updateUsers } }],
  ['users/retire', { authenticated: true, methods: { POST: retireUsers } }],
  // Volume subscriptions (apple-subscriptions.md §2).
  ['subscriptions/enable', { authenticated: true, methods: { POST: enableSubscriptions } }],
  ['subscriptions/disable', { authenticated: true, methods: { POST: disableSubscriptions } }],
  ['subscriptions', subscriptionRoute({ GET: getSubscriptions })],
  ['subscriptions/assignments', subscriptionRoute({ GET: getSubscriptionAssignments })],
  ['subscriptions/associate', { authenticated: true, methods: { POST: associateSubscriptions } }],
  ['subscriptions/disassociate', { authenticated: true, methods: { POST: disassociateSubscriptions } }],
  ['subscriptions/admins', subscriptionRoute({ GET: getSubscriptionAdmins })],
  ['subscriptions/admins/add', subscriptionRoute({ POST: addSubscriptionAdmins })],
  ['subscriptions/admins/remove', subscriptionRoute({ POST: removeSubscriptionAdmins })],
]);
