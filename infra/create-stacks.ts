/**
 * Builds the stacks of one stage: `VppManager-<stage>-Stateful` (data, retained) and
 * `VppManager-<stage>-Service` (functions, API, alarms), the second fed by the first through typed props.
 */
import { type App, type Environment, Tags } from 'aws-cdk-lib';
import type { RouteContract } from '../shared/api/route.ts';
import type { FunctionDefinition } from '../shared/config/functions.ts';
import type { InfraConfig } from './config.ts';
import { ServiceStack } from './stacks/service-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

export interface CreateStacksOptions {
  /** @default - environment-agnostic stacks (synth needs no account) */
  readonly env?: Environment;
  /** @default FUNCTIONS of shared/config/functions.ts (tests pass other manifests) */
  readonly functions?: readonly FunctionDefinition[];
  /** @default ROUTES of shared/api */
  readonly routes?: readonly RouteContract[];
  /** The built console, uploaded to its bucket (infra/app.ts builds it before synthesis). */
  readonly consoleFiles: string;
}

export interface VppManagerStacks {
  readonly stateful: StatefulStack;
  readonly service: ServiceStack;
}

export const stackName = (stage: string, part: 'Stateful' | 'Service'): string =>
  `VppManager-${stage}-${part}`;

export function createStacks(app: App, config: InfraConfig, options: CreateStacksOptions): VppManagerStacks {
  const env = options.env ? { env: options.env } : {};
  const stateful = new StatefulStack(app, stackName(config.stage, 'Stateful'), {
    ...env,
    config,
    description: `VPP Manager (${config.stage}): tables, queues, SES identity, user pool. Retained.`,
  });
  const service = new ServiceStack(app, stackName(config.stage, 'Service'), {
    ...env,
    config,
    stateful,
    consoleFiles: options.consoleFiles,
    description: `VPP Manager (${config.stage}): functions, HTTP API, console on CloudFront, schedules, alarms, dashboard.`,
    ...(options.functions ? { functions: options.functions } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
  });
  Tags.of(app).add('project', 'vpp-manager');
  Tags.of(app).add('stage', config.stage);
  return { stateful, service };
}
