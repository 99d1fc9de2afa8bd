/**
 * Asynchronous events (reference §9.1): accepted synchronously, processed `eventDelayMs` later on a
 * timer, or at once by `settle()`. Pending events are part of the saved state, so a restarted
 * simulator processes them (immediately if their time has passed). Events are kept forever: Apple
 * documents no retention time.
 */
import type { EventType } from '#application/ports/vpp-schemas.ts';
import type { EventIntake, SimulatorContext } from './context.ts';
import { processEvent } from './event-processor.ts';
import { newUuid } from './identifiers.ts';
import type { EventPayload, EventRecord, LocationRecord } from './state.ts';

/** Schedules and processes asynchronous events. */
export class EventEngine implements EventIntake {
  readonly #ctx: SimulatorContext;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(ctx: SimulatorContext) {
    this.#ctx = ctx;
  }

  /** Records a new pending event and schedules its processing. */
  accept(
    location: LocationRecord,
    eventType: EventType,
    payload: EventPayload,
    numRequested: number,
  ): EventRecord {
    const event: EventRecord = {
      eventId: newUuid(),
      locationId: location.id,
      eventType,
      eventStatus: 'PENDING',
      numRequested,
      numCompleted: 0,
      failures: [],
      payload,
      createdAt: this.#ctx.now().toISOString(),
      dueAt: Date.now() + this.#ctx.options.eventDelayMs,
    };
    this.#ctx.state.events.set(event.eventId, event);
    this.#ctx.changed();
    this.#schedule(event);
    return event;
  }

  /** Schedules the events a previous run left pending. */
  resume(): void {
    for (const event of this.#ctx.state.events.values()) {
      if (event.eventStatus === 'PENDING') this.#schedule(event);
    }
  }

  /** Processes every pending event now, oldest first. */
  processAll(): void {
    for (const event of [...this.#ctx.state.events.values()]) {
      if (event.eventStatus === 'PENDING') this.#process(event.eventId);
    }
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(event: EventRecord): void {
    if (this.#closed) return;
    const timer = setTimeout(() => this.#process(event.eventId), Math.max(0, event.dueAt - Date.now()));
    this.#timers.set(event.eventId, timer);
  }

  #process(eventId: string): void {
    const timer = this.#timers.get(eventId);
    if (timer) clearTimeout(timer);
    this.#timers.delete(eventId);
    const event = this.#ctx.state.events.get(eventId);
    if (event?.eventStatus !== 'PENDING' || this.#closed) return;
    processEvent(this.#ctx, event);
  }
}
