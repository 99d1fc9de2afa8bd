/**
 * The metrics of an invocation are flushed after it (or its error), and only when it counted
 * something: Powertools warns "No application metrics to publish" on every empty flush, which the
 * schedules that count nothing (token health, the nightly sync) printed at every run.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { provideDeps } from '../../functions/lib/deps.ts';
import { metrics } from '../../functions/lib/powertools.ts';
import { scheduledJob } from '../../functions/lib/workers.ts';
import { scheduledEvent } from '../../functions/local/scheduler.ts';
import type { Deps } from '../../shared/composition/deps.ts';

const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;
const fire = (job: ReturnType<typeof scheduledJob>) =>
  job(scheduledEvent('test', new Date()) as never, context);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('publishMetrics (the wrappers of every handler)', () => {
  provideDeps({} as Deps);

  it('flushes nothing and warns nothing when the invocation counted nothing', async () => {
    const warn = vi.spyOn(console, 'warn');
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    await fire(scheduledJob('quiet', async () => ({})));
    expect(publish).not.toHaveBeenCalled();
    expect(warn.mock.calls.flat().join(' ')).not.toContain('No application metrics');
  });

  it('publishes what the invocation counted, once', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    await fire(
      scheduledJob('counting', async () => {
        metrics.addMetric('Counted', MetricUnit.Count, 2);
        return {};
      }),
    );
    expect(publish).toHaveBeenCalledTimes(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('publishes what a failing invocation counted before it failed', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    const failing = scheduledJob('failing', async () => {
      metrics.addMetric('Counted', MetricUnit.Count, 1);
      throw new Error('boom');
    });
    await expect(fire(failing)).rejects.toThrow('boom');
    expect(publish).toHaveBeenCalledTimes(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});
