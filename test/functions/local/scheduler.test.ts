/**
 * Local mode's EventBridge: the same expressions as CDK, read the way EventBridge reads them (UTC,
 * day-of-week 1 = Sunday), firing the schedule handlers with a Scheduled Event.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextRun, startScheduler } from '../../../functions/local/scheduler.ts';
import { SCHEDULES } from '../../../shared/config/schedules.ts';

// A Thursday.
const FROM = new Date('2026-11-26T10:15:00Z');

describe('nextRun', () => {
  it.each([
    ['rate(1 hour)', '2026-11-26T11:15:00.000Z'],
    ['rate(5 minutes)', '2026-11-26T10:20:00.000Z'],
    ['rate(2 days)', '2026-11-28T10:15:00.000Z'],
    ['cron(0 3 * * ? *)', '2026-11-27T03:00:00.000Z'],
    ['cron(30 12 * * ? *)', '2026-11-26T12:30:00.000Z'],
    // EventBridge's 2 is Monday, 1 is Sunday, 7 is Saturday.
    ['cron(0 6 ? * 2 *)', '2026-11-30T06:00:00.000Z'],
    ['cron(0 6 ? * 1 *)', '2026-11-29T06:00:00.000Z'],
    ['cron(0 6 ? * 7 *)', '2026-11-28T06:00:00.000Z'],
    ['cron(0 8 ? * 2-6 *)', '2026-11-27T08:00:00.000Z'],
    ['cron(0 0 1 * ? *)', '2026-12-01T00:00:00.000Z'],
  ])('%s after Thursday 10:15 UTC fires at %s', (expression, expected) => {
    expect(nextRun(expression, FROM)?.toISOString()).toBe(expected);
  });

  it.each(['rate(0 minutes)', 'rate(1 week)', 'cron(0 3 * * *)', 'every night', 'cron(99 3 * * ? *)'])(
    'refuses %s',
    (expression) => {
      expect(nextRun(expression, FROM)).toBeUndefined();
    },
  );

  it('reads every default schedule of the manifest', () => {
    for (const schedule of SCHEDULES) expect(nextRun(schedule.defaultExpression, FROM)).toBeInstanceOf(Date);
  });
});

describe('startScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls the handler at each time with a Scheduled Event, and no more after stop', async () => {
    vi.useFakeTimers({ now: FROM });
    const events: ScheduledEvent[] = [];
    const scheduler = startScheduler(
      [
        {
          id: 'reconcile',
          expression: 'rate(1 hour)',
          load: async () => async (event) => events.push(event),
        },
      ],
      (id, error) => {
        throw new Error(`${id}: ${String(error)}`);
      },
    );
    await vi.advanceTimersByTimeAsync(59 * 60_000);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: [expect.stringMatching(/rule\/reconcile$/)],
    });
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(events).toHaveLength(2);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000);
    expect(events).toHaveLength(2);
  });

  it('refuses to start with an expression EventBridge would refuse', () => {
    expect(() =>
      startScheduler(
        [{ id: 'nightly-sync', expression: 'cron(0 3 * * *)', load: async () => async () => {} }],
        () => {},
      ),
    ).toThrow(/nightly-sync has an expression EventBridge would refuse/);
  });
});
