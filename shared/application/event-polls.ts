/**
 * The first status poll of an event Apple accepted (assets/associate, disassociate or revoke, users/create,
 * update or retire): a message on the events queue, delayed by `eventFirstPollSeconds`, that
 * follow-asset-event or follow-user-event picks up. Every worker that sends Apple a write schedules it
 * here, and a redelivery schedules it again (a poll of an event that has ended finds nothing waiting).
 */
import type { QueueMessage } from './messages.ts';
import type { MessageQueue } from './ports/message-queue.ts';
import type { ServiceSettings } from './ports/settings.ts';

export interface EventPollDeps {
  readonly queue: MessageQueue;
  readonly settings: Pick<ServiceSettings, 'eventFirstPollSeconds'>;
}

export function pollEvent(deps: EventPollDeps, event: Omit<QueueMessage<'events'>, 'polls'>): Promise<void> {
  return deps.queue.send(
    'events',
    { ...event, polls: 0 },
    { delaySeconds: deps.settings.eventFirstPollSeconds },
  );
}
