/** What a job waits for (`waitingFor` in shared/domain/job.ts), from what its record knows. */
import { describe, expect, it } from 'vitest';
import { type Job, waitingFor } from '../../../shared/domain/job.ts';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const job = (over: Partial<Pick<Job, 'state' | 'debouncedUntil' | 'awaitingEvent'>>) => ({
  state: 'queued' as const,
  ...over,
});

describe('waitingFor', () => {
  it('is the Apple event a job sent, with its next poll, whether it is queued or running', () => {
    const awaitingEvent = { eventId: 'event-1', nextCheckAt: '2026-03-02T09:05:00.000Z' };
    const expected = { kind: 'apple-event', eventId: 'event-1', nextCheckAt: '2026-03-02T09:05:00.000Z' };
    expect(waitingFor(job({ state: 'running', awaitingEvent }), NOW)).toEqual(expected);
    expect(waitingFor(job({ state: 'queued', awaitingEvent }), NOW)).toEqual(expected);
  });

  it('is the debounce while a debounced job is queued before its run is due', () => {
    expect(waitingFor(job({ debouncedUntil: '2026-03-02T09:01:00.000Z' }), NOW)).toEqual({
      kind: 'debounce',
      nextCheckAt: '2026-03-02T09:01:00.000Z',
    });
  });

  it('is the queue for a job queued with no debounce, or whose debounce is over, or running between steps', () => {
    expect(waitingFor(job({}), NOW)).toEqual({ kind: 'queue' });
    expect(waitingFor(job({ debouncedUntil: '2026-03-02T09:00:00.000Z' }), NOW)).toEqual({ kind: 'queue' });
    expect(waitingFor(job({ state: 'running', debouncedUntil: '2026-03-02T09:01:00.000Z' }), NOW)).toEqual({
      kind: 'queue',
    });
  });

  it('is nothing for a job that has ended, whatever it waited for before', () => {
    const awaitingEvent = { eventId: 'event-1', nextCheckAt: '2026-03-02T09:05:00.000Z' };
    for (const state of ['succeeded', 'partially_failed', 'failed'] as const)
      expect(waitingFor(job({ state, awaitingEvent, debouncedUntil: '2026-03-02T09:01:00.000Z' }), NOW)).toBe(
        undefined,
      );
  });
});
