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
