/**
 * Local mode's EventBridge: fires each schedule's handler at the times its expression names, with the
 * same `Scheduled Event` payload. Reads EventBridge syntax: `rate(5 minutes)` and six-field
 * `cron(min hour day-of-month month day-of-week year)`, UTC, where day-of-week 1 is Sunday.
 */
import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { Cron } from 'croner';

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;

/** Converts EventBridge's day-of-week numbers (1 = Sunday) to the usual ones (0 = Sunday). */
function weekday(field: string): string {
  return field.replace(/(^|[,\-/])(\d)/g, (_m, sep: string, n: string) => `${sep}${Number(n) - 1}`);
}

/** The next time (after `from`) an EventBridge expression fires, or undefined if it is not valid. */
export function nextRun(expression: string, from: Date): Date | undefined {
  const rate = RATE.exec(expression.trim());
  if (rate) {
    const unit = rate[2]?.replace(/s$/, '') ?? 'minute';
    const ms =
      Number(rate[1]) *
      { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit as 'minute' | 'hour' | 'day'];
    return ms > 0 ? new Date(from.getTime() + ms) : undefined;
  }
  const cron = CRON.exec(expression.trim());
  const fields = cron?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string, string];
  try {
    const pattern = `${minute} ${hour} ${dom} ${month} ${dow === '?' ? '?' : weekday(dow)}`;
    return new Cron(pattern, { paused: true, timezone: 'UTC', legacyMode: false }).nextRun(from) ?? undefined;
  } catch {
    return undefined;
  }
}

type ScheduleHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface ScheduledTarget {
  readonly id: string;
  readonly expression: string;
  readonly load: () => Promise<ScheduleHandler>;
}

export interface Scheduler {
  /** Fires a schedule now (the local API offers it, so nobody waits for 3 a.m.). */
  fire(id: string): Promise<void>;
  stop(): void;
}

export function scheduledEvent(id: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString(),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${id}`],
    detail: {},
  };
}

export function startScheduler(
  targets: readonly ScheduledTarget[],
  onError: (id: string, error: unknown) => void,
): Scheduler {
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const run = async (target: ScheduledTarget) => {
    const handler = await target.load();
    await handler(scheduledEvent(target.id, new Date()), {
      awsRequestId: randomUUID(),
      functionName: target.id,
    } as Context);
  };
  const plan = (target: ScheduledTarget) => {
    const next = nextRun(target.expression, new Date());
    if (!next || stopped) return;
    // setTimeout holds at most ~24.8 days; re-plan on the way for anything longer.
    const wait = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    timers.set(
      target.id,
      setTimeout(() => {
        if (Date.now() >= next.getTime()) run(target).catch((error: unknown) => onError(target.id, error));
        plan(target);
      }, wait),
    );
  };
  for (const target of targets) {
    if (!nextRun(target.expression, new Date()))
      throw new Error(
        `The schedule ${target.id} has an expression EventBridge would refuse: ${target.expression}`,
      );
    plan(target);
  }
  return {
    fire: async (id) => {
      const target = targets.find((t) => t.id === id);
      if (!target) throw new Error(`No schedule ${id}.`);
      await run(target);
    },
    stop: () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
    },
  };
}
