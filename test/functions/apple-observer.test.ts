/** The Apple client's anomalies reach the logs (`apple anomaly`, no value) and the `AppleAnomaly` metric. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { appleObserver } from '../../functions/lib/apple-observer.ts';
import { logger, metrics } from '../../functions/lib/powertools.ts';

describe('appleObserver', () => {
  it('logs an apple anomaly warning with the endpoint and counts, and counts the dropped items', () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const metric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
    const anomaly = {
      endpoint: 'GET assignments',
      asked: ['adamId', 'pricingParam'],
      received: 4,
      dropped: 3,
    };
    appleObserver.onAnomaly?.(anomaly);
    expect(warn).toHaveBeenCalledWith('apple anomaly', anomaly);
    expect(metric).toHaveBeenCalledWith('AppleAnomaly', MetricUnit.Count, 3);
  });
});
