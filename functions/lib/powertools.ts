/**
 * The Powertools logger, metrics and tracer, one of each per container. Log messages are fixed strings;
 * facts go in keys. The raw event is never logged: its headers carry bearer tokens and secrets.
 * Whatever a line holds anyway (an error quoting a token, a cause's stack) passes through `redact`:
 * the logger's JSON replacer sees every string of every line, errors' messages and causes included.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { redactingJsonReplacer } from './redaction.ts';

const serviceName = 'vpp-manager';

export const logger = new Logger({ serviceName, jsonReplacerFn: redactingJsonReplacer });
export const metrics = new Metrics({ namespace: 'VppManager', serviceName });
export const tracer = new Tracer({ serviceName });

/**
 * The middy middleware that flushes the metrics after each invocation (or its error), in place of
 * Powertools' `logMetrics`: it flushes only when the invocation counted something, since Powertools
 * warns on every empty flush ("No application metrics to publish"), which a schedule that counts
 * nothing (token health, the nightly sync) would print at every run.
 */
export function publishMetrics() {
  const flush = (): void => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
