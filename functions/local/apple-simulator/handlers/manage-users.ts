/**
 * `POST users/create`, `users/update` and `users/retire` (reference §6.2): checked synchronously (9720
 * no users, 9602 shape, 9714 over `maxUsers`, 9715 duplicate `clientUserId`, 9717 invalid e-mail),
 * then accepted as an event with one task per user. The answer carries no user data, as at Apple.
 */

import * as z from 'zod';
import { type EventType, ManageUsersRequestSchema } from '#application/ports/vpp-schemas.ts';
import { AppleError } from '../apple-error.ts';
import { type AppleHandler, bodyObject, parseBody } from '../apple-request.ts';
import { limit } from '../context.ts';

const Email = z.email();

function manageUsers(eventType: Extract<EventType, 'CREATE' | 'UPDATE' | 'RETIRE'>): AppleHandler {
  return (ctx, req) => {
    const raw = bodyObject(req.body);
    const missing = raw.users === undefined || raw.users === null;
    if (missing || (Array.isArray(raw.users) && raw.users.length === 0)) throw new AppleError(9720);
    const { users } = parseBody(ManageUsersRequestSchema, raw);
    if (users.length > limit(ctx, 'maxUsers')) throw new AppleError(9714);
    if (new Set(users.map((u) => u.clientUserId)).size !== users.length) throw new AppleError(9715);
    if (
      eventType !== 'RETIRE' &&
      users.some((u) => u.email !== undefined && !Email.safeParse(u.email).success)
    ) {
      throw new AppleError(9717);
    }
    const event = ctx.events.accept(req.location, eventType, { kind: 'users', users }, users.length);
    return { eventId: event.eventId };
  };
}

/** `POST users/create`. */
export const createUsers = manageUsers('CREATE');
/** `POST users/update`. */
export const updateUsers = manageUsers('UPDATE');
/** `POST users/retire`. */
export const retireUsers = manageUsers('RETIRE');
