/**
 * What runs: one function per entry of shared/config/functions.ts, wired to its trigger (the HTTP
 * routes it lists, whose contracts are in shared/api; a queue; or a schedule) and given exactly the access its entry lists, plus the HTTP
 * API, alarms and the dashboard. It holds no data, so it can be destroyed and re-created freely; it
 * receives the stateful resources through typed props.
 */
import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IUserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import { ROUTES } from '../../shared/api/index.ts';
import type { RouteContract } from '../../shared/api/route.ts';
import type { ConsoleConfig } from '../../shared/config/console.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/config/functions.ts';
import { QUEUES } from '../../shared/config/queues.ts';
import { SCHEDULES } from '../../shared/config/schedules.ts';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../../shared/domain/webhook-event.ts';
import type { InfraConfig } from '../config.ts';
import {
  type AccessResources,
  AppFunction,
  type AppFunctionSettings,
  bindAccess,
  type CommonEnvKey,
  pascalCase,
} from '../constructs/app-function.ts';
import { ConsoleUserPoolSignIn } from '../constructs/console-app-client.ts';
import { ConsoleHosting } from '../constructs/console-hosting.ts';
import { ServiceHttpApi } from '../constructs/http-api.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { QueueWorker } from '../constructs/queue-worker.ts';
import { ScheduledJob } from '../constructs/scheduled-job.ts';
import type { JwtAuthority } from './stateful-stack.ts';

/** What the service stack needs from the stateful stack. */
export interface StatefulResources extends AccessResources {
  readonly jwt: JwtAuthority;
  /** The stack's user pool (none with an external issuer). */
  readonly userPool: { readonly userPool: IUserPool } | undefined;
}

export interface ServiceStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly stateful: StatefulResources;
  /** The built console (shared/console/build.ts's output folder, with its index.html). */
  readonly consoleFiles: string;
  /** @default FUNCTIONS of shared/config/functions.ts */
  readonly functions?: readonly FunctionDefinition[];
  /** @default ROUTES of shared/api */
  readonly routes?: readonly RouteContract[];
}

export class ServiceStack extends Stack {
  readonly api: ServiceHttpApi;
  readonly hosting: ConsoleHosting;
  /** The console's Cognito app client (none with an external issuer). */
  readonly consoleClient: UserPoolClient | undefined;
  readonly functions: ReadonlyMap<string, AppFunction>;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const definitions = props.functions ?? FUNCTIONS;
    const routes = props.routes ?? ROUTES;

    this.api = new ServiceHttpApi(this, 'Http', {
      issuer: stateful.jwt.issuer,
      audience: stateful.jwt.audience,
      throttle: config.apiThrottle,
      logRetention: config.logRetentionDays,
    });
    // The console's sign-in: Cognito's managed login for the stack's pool, or the external issuer.
    const cognito = stateful.userPool
      ? new ConsoleUserPoolSignIn(this, 'ConsoleSignIn', {
          userPool: stateful.userPool.userPool,
          stage: config.stage,
        })
      : undefined;
    this.hosting = new ConsoleHosting(this, 'Console', {
      apiUrl: this.api.url,
      connectTo: cognito
        ? cognito.origins
        : config.auth.kind === 'external'
          ? [new URL(config.auth.issuer).origin]
          : [],
      logRetention: config.logRetentionDays,
    });
    // Invitation links and Apple's notifications go through the distribution unless told otherwise.
    const publicBaseUrl = config.publicBaseUrl ?? this.hosting.url;
    this.consoleClient = cognito?.addClient([this.hosting.url, publicBaseUrl]);
    if (this.consoleClient) this.api.addAudience(this.consoleClient.userPoolClientId);
    else if (config.auth.kind === 'external') this.api.addAudience(config.auth.consoleClientId);
    this.hosting.publish(props.consoleFiles, consoleConfig(config, stateful, this.consoleClient, cognito));

    const settings: AppFunctionSettings = {
      environment: commonEnvironment(config, publicBaseUrl),
      secretPrefix: config.secretPrefix,
      logRetention: config.logRetentionDays,
    };

    const functions = new Map<string, AppFunction>();
    for (const definition of definitions) {
      if (functions.has(definition.id)) throw new Error(`Function id ${definition.id} appears twice.`);
      const fn = new AppFunction(this, pascalCase(definition.id), { definition, settings });
      bindAccess(fn, definition.access, stateful);
      this.#connectTrigger(fn, definition, config, stateful);
      functions.set(definition.id, fn);
    }
    this.functions = functions;
    this.#addRoutes(routes, functions);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: [...functions.values()],
      queues: QUEUES.map((q) => stateful.queues[q.id]),
      api: this.api,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `${this.hosting.url}/`,
      description: 'The admin console (and the API under /v1) on CloudFront',
    });
    if (this.consoleClient)
      new CfnOutput(this, 'ConsoleClientId', {
        value: this.consoleClient.userPoolClientId,
        description: "The console's Cognito app client (code grant with PKCE), in the API's audience",
      });
    new CfnOutput(this, 'PublicBaseUrl', {
      value: settings.environment.publicBaseUrl,
      description: 'Base URL of invitation links and of the Apple notification endpoint',
    });
  }

  #connectTrigger(
    fn: AppFunction,
    definition: FunctionDefinition,
    config: InfraConfig,
    stateful: StatefulResources,
  ): void {
    const trigger = definition.trigger;
    const name = pascalCase(definition.id);
    switch (trigger.kind) {
      case 'http':
        return; // routes are added from the route contracts
      case 'queue': {
        const queue = stateful.queues[trigger.queue];
        new QueueWorker(this, `${name}Worker`, { fn, queue, maxConcurrency: config.workerConcurrency });
        return;
      }
      case 'schedule': {
        const schedule = SCHEDULES.find((s) => s.id === trigger.schedule);
        if (!schedule) throw new Error(`Function ${definition.id}: unknown schedule ${trigger.schedule}.`);
        new ScheduledJob(this, `${name}Schedule`, {
          fn,
          schedule,
          expression: config.schedules[schedule.id],
        });
        return;
      }
      default: {
        const unknown: never = trigger;
        throw new Error(`Function ${definition.id}: unknown trigger ${JSON.stringify(unknown)}.`);
      }
    }
  }

  #addRoutes(routes: readonly RouteContract[], functions: ReadonlyMap<string, AppFunction>): void {
    // Which function serves each route: the routes each HTTP function lists.
    const servedBy = new Map<string, AppFunction>();
    for (const [id, fn] of functions) {
      const trigger = fn.definition.trigger;
      if (trigger.kind !== 'http') continue;
      if (trigger.routes.length === 0)
        Annotations.of(fn).addWarningV2('vpp-manager:unrouted', `HTTP function ${id} has no route.`);
      for (const routeId of trigger.routes) {
        const other = servedBy.get(routeId);
        if (other)
          throw new Error(`Route ${routeId} is listed by two functions: ${other.definition.id} and ${id}.`);
        if (!routes.some((r) => r.id === routeId))
          throw new Error(`Function ${id} lists route ${routeId}, which is not in the route contracts.`);
        servedBy.set(routeId, fn);
      }
    }
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`Route ${key} appears twice in the route contracts.`);
      seen.add(key);
      const fn = servedBy.get(route.id);
      if (!fn)
        throw new Error(`Route ${key} (${route.id}) is not in the function list: no HTTP function lists it.`);
      if (route.query?.shape.cursor && !fn.definition.access.cursorKey) {
        throw new Error(
          `Route ${key} pages with a cursor: function ${fn.definition.id} needs access.cursorKey.`,
        );
      }
      this.api.addRoute(route, fn);
    }
  }
}

/** What the console reads at /console-config.json: where and how people sign in. */
function consoleConfig(
  config: InfraConfig,
  stateful: StatefulResources,
  client: UserPoolClient | undefined,
  cognito: ConsoleUserPoolSignIn | undefined,
): ConsoleConfig {
  const claims = { org: config.claims.org, role: config.claims.role, email: config.claims.email };
  if (client && cognito)
    return {
      auth: {
        kind: 'oidc',
        issuer: stateful.jwt.issuer,
        clientId: client.userPoolClientId,
        scopes: 'openid email profile',
        claims,
        logoutEndpoint: cognito.logoutEndpoint,
      },
    };
  if (config.auth.kind !== 'external') throw new Error('A Cognito pool or an external issuer is needed.');
  return {
    auth: {
      kind: 'oidc',
      issuer: config.auth.issuer,
      clientId: config.auth.consoleClientId,
      scopes: config.auth.consoleScopes,
      claims,
    },
  };
}

/**
 * The variables every function gets. Typed by `CommonEnvKey`: a new key in shared/config/env-keys.ts
 * fails to compile until it is set here or by a binding helper.
 */
export function commonEnvironment(config: InfraConfig, publicBaseUrl: string): Record<CommonEnvKey, string> {
  return {
    stage: config.stage,
    publicBaseUrl,
    vppBaseUrl: config.vppBaseUrl,
    claimSub: config.claims.sub,
    claimEmail: config.claims.email,
    claimOrg: config.claims.org,
    claimRole: config.claims.role,
    eventFirstPollSeconds: String(config.eventFirstPollSeconds),
    eventPollIntervalSeconds: String(config.eventPollIntervalSeconds),
    // Apple requires https notification URLs; http is for the local simulator only.
    allowHttpNotifications: 'false',
    // Webhooks never go to the service's own network in AWS.
    allowLoopbackWebhooks: 'false',
    reconcileDebounceSeconds: '60',
    purgeRecheckSeconds: '900',
    // About a day of retries (shared/domain/webhook-event.ts), then the delivery is failed.
    webhookRetrySeconds: DEFAULT_RETRY_SCHEDULE_SECONDS.join(','),
    workerConcurrency: String(config.workerConcurrency),
  };
}
