/**
 * `GET status?eventId=` (reference §9.1): `PENDING` until processed, then `COMPLETE` or `FAILED`.
 * `failures` is present only when a task failed. An unknown id, or one of another location, is 9708.
 */
import { AppleError } from '../apple-error.ts';
import type { AppleHandler } from '../apple-request.ts';
import { stringParam } from '../query.ts';

/** `GET status?eventId=`. */
export const eventStatus: AppleHandler = (ctx, req) => {
  const eventId = stringParam(req.query, 'eventId');
  if (eventId === undefined)
    throw new AppleError(9602, { message: 'Invalid argument: eventId is required.' });
  const event = ctx.state.events.get(eventId);
  if (!event || event.locationId !== req.location.id) throw new AppleError(9708);
  return {
    eventStatus: event.eventStatus,
    eventType: event.eventType,
    numCompleted: event.numCompleted,
    numRequested: event.numRequested,
    ...(event.failures.length > 0 && { failures: event.failures }),
  };
};
