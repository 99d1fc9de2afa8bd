/**
 * What the Apple client reports, into the Powertools logger and metrics: an answer beyond the question
 * (an item that does not match the read's filters) is an `apple anomaly` warning with the endpoint,
 * the filters' names and the counts, and the `AppleAnomaly` metric (the items dropped).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { VppObserver } from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { logger, metrics } from './powertools.ts';

export const appleObserver: VppObserver = {
  onAnomaly(anomaly) {
    logger.warn('apple anomaly', { ...anomaly });
    metrics.addMetric('AppleAnomaly', MetricUnit.Count, anomaly.dropped);
  },
};
