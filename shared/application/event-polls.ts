/**
 * The status polls of an event Apple accepted (assets/associate, disassociate or revoke, users/create,
 * update or retire): a message on the events queue that follow-asset-event or follow-user-event picks
 * up, first after `eventFirstPollSeconds` (`pollEvent`: every worker that sends Apple a write
 * schedules it here, and a redelivery schedules it again; a poll of an event that has ended finds
 * nothing waiting), then every `eventPollIntervalSeconds` while Apple says it is pending
 * (`pollEventAgain`). Each notes on the event's job what it waits for and when it is next polled.
 */
import type { QueueMessage } from './messages.ts';
import type { Clock } from './ports/clock.ts';
import type { JobRepository } from './ports/job-repository.ts';
import type { MessageQueue } from './ports/message-queue.ts';
import type { ServiceSettings } from './ports/settings.ts';

export interface EventPollDeps {
  readonly queue: MessageQueue;
  readonly settings: Pick<ServiceSettings, 'eventFirstPollSeconds' | 'eventPollIntervalSeconds'>;
  readonly jobs: Pick<JobRepository, 'awaitEvent'>;
  readonly clock: Clock;
}

export function pollEvent(deps: EventPollDeps, event: Omit<QueueMessage<'events'>, 'polls'>): Promise<void> {
  return schedulePoll(deps, { ...event, polls: 0 }, deps.settings.eventFirstPollSeconds);
}

export function pollEventAgain(
  deps: EventPollDeps,
  message: QueueMessage<'events'> & { polls: number },
): Promise<void> {
  return schedulePoll(deps, { ...message, polls: message.polls + 1 }, deps.settings.eventPollIntervalSeconds);
}

async function schedulePoll(deps: EventPollDeps, message: QueueMessage<'events'>, delaySeconds: number) {
  if (message.jobId !== undefined) {
    const nextCheckAt = new Date(deps.clock.now().getTime() + delaySeconds * 1000).toISOString();
    await deps.jobs.awaitEvent(message.jobId, { eventId: message.eventId, nextCheckAt });
  }
  await deps.queue.send('events', message, { delaySeconds });
}
