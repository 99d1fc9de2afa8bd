/**
 * The Powertools logger, metrics and tracer, one of each per container. Log messages are fixed strings;
 * facts go in keys. The raw event is never logged: its headers carry bearer tokens and secrets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = 'vpp-manager';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'VppManager', serviceName });
export const tracer = new Tracer({ serviceName });
