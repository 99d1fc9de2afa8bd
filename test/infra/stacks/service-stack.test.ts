import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BINDING_ENV_KEYS, COMMON_ENV_KEYS, pascalCase } from '../../../infra/constructs/app-function.ts';
import { ROUTES } from '../../../shared/api/index.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import { ENV, type EnvKey } from '../../../shared/config/env-keys.ts';
import { FUNCTIONS, functionOfRoute } from '../../../shared/config/functions.ts';
import { QUEUES } from '../../../shared/config/queues.ts';
import { TABLES } from '../../../shared/config/tables.ts';
import { resourceByPrefix, resourcesOf, synthesise, type Templates } from '../support/app.ts';

type Env = Record<string, unknown>;

describe('ServiceStack', () => {
  let built: Templates;
  beforeAll(() => {
    built = synthesise();
  });

  const functionResource = (id: string) =>
    resourceByPrefix(built.serviceTemplate, 'AWS::Lambda::Function', pascalCase(id))[1];

  describe('functions', () => {
    it('has one function per entry of FUNCTIONS', () => {
      // Plus BucketDeployment's handler, which uploads the console.
      built.serviceTemplate.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length + 1);
    });

    it.each(FUNCTIONS.map((f) => [f.id, f] as const))(
      '%s: nodejs24.x on arm64, traced, memory and timeout of the manifest',
      (_id, definition) => {
        expect(functionResource(definition.id).Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Handler: 'index.handler',
          MemorySize: definition.memoryMb,
          Timeout: definition.timeoutSeconds,
        });
      },
    );

    it('gives every function that calls Apple the core table, where the shared rate slots are (SPEC §5.4)', () => {
      for (const definition of FUNCTIONS.filter((f) => f.access.callsApple)) {
        expect(definition.access.tables?.core, definition.id).toBe('write');
        expect(
          Object.keys(
            (functionResource(definition.id).Properties.Environment as { Variables: Env }).Variables,
          ),
          definition.id,
        ).toContain('TABLE_CORE');
      }
    });

    it('caps no function for Apple’s rate: no reserved concurrency, and every function is told WORKER_CONCURRENCY', () => {
      // Apple's rate is kept per token by the shared rate slots, so the callers of Apple need no known
      // number; the queue workers are bounded by their event source (WORKER_CONCURRENCY, default 20).
      expect(FUNCTIONS.filter((f) => f.access.callsApple).length).toBeGreaterThan(0);
      for (const definition of FUNCTIONS.filter((f) => f.access.callsApple))
        expect(
          functionResource(definition.id).Properties.ReservedConcurrentExecutions,
          definition.id,
        ).toBeUndefined();
      for (const definition of FUNCTIONS)
        expect(
          (functionResource(definition.id).Properties.Environment as { Variables: Env }).Variables,
          definition.id,
        ).toMatchObject({ [ENV.workerConcurrency]: '20' });
    });

    it.each(FUNCTIONS.map((f) => [f.id, f] as const))(
      '%s: its own log group with the configured retention',
      (_id, definition) => {
        // Prepare
        const [logGroupId, logGroup] = resourceByPrefix(
          built.serviceTemplate,
          'AWS::Logs::LogGroup',
          `${pascalCase(definition.id)}Logs`,
        );

        // Assess
        expect(logGroup.Properties.RetentionInDays).toBe(built.config.logRetentionDays);
        expect(functionResource(definition.id).Properties.LoggingConfig).toEqual({
          LogGroup: { Ref: logGroupId },
        });
      },
    );

    it.each(FUNCTIONS.map((f) => [f.id, f] as const))(
      '%s: no managed policy on its role (logs go to its own group only)',
      (_id, definition) => {
        const [, role] = resourceByPrefix(
          built.serviceTemplate,
          'AWS::IAM::Role',
          `${pascalCase(definition.id)}Role`,
        );
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      },
    );

    it.each(FUNCTIONS.map((f) => [f.id, f] as const))(
      '%s: the common environment and Powertools settings, valid for the runtime',
      (_id, definition) => {
        // Prepare
        const variables = (functionResource(definition.id).Properties.Environment as { Variables: Env })
          .Variables;

        // Assess: set, and what is known at synth time passes the runtime's own validation.
        for (const key of COMMON_ENV_KEYS) expect(variables).toHaveProperty(ENV[key]);
        expect(variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'vpp-manager',
          POWERTOOLS_METRICS_NAMESPACE: 'VppManager',
          [ENV.stage]: 'dev',
          [ENV.allowHttpNotifications]: 'false',
          [ENV.allowLoopbackWebhooks]: 'false',
        });
        const literal = COMMON_ENV_KEYS.filter((key) => typeof variables[ENV[key]] === 'string');
        const env = Object.fromEntries(literal.map((key) => [ENV[key], variables[ENV[key]] as string]));
        expect(() => loadConfig(env, literal)).not.toThrow();
      },
    );

    it('sets every variable of ENV from the common environment or a binding helper, each from one place', () => {
      // Prepare
      const bound: EnvKey[] = [
        ...TABLES.map((t) => t.envKey),
        ...QUEUES.map((q) => q.envKey),
        ...BINDING_ENV_KEYS,
      ];
      const all: EnvKey[] = [...COMMON_ENV_KEYS, ...bound];

      // Assess
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort()).toEqual((Object.keys(ENV) as EnvKey[]).sort());
    });

    it('sets the public base URL to the distribution by default, and to the configured one', () => {
      // Prepare
      const variables = (id: string, t = built.serviceTemplate) =>
        (
          resourceByPrefix(t, 'AWS::Lambda::Function', pascalCase(id))[1].Properties.Environment as {
            Variables: Env;
          }
        ).Variables;
      const [distributionId] = Object.keys(
        resourcesOf(built.serviceTemplate, 'AWS::CloudFront::Distribution'),
      );

      // Act
      const configured = synthesise({ context: { publicBaseUrl: 'https://vpp.example.org/' } });

      // Assess
      for (const fn of FUNCTIONS) {
        expect(variables(fn.id)[ENV.publicBaseUrl]).toEqual({
          'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
        });
        expect(variables(fn.id, configured.serviceTemplate)[ENV.publicBaseUrl]).toBe(
          'https://vpp.example.org',
        );
      }
    });
  });

  describe('HTTP API', () => {
    it('has one route per contract of ROUTES, JWT authorizer on jwt routes and none on the others', () => {
      // Prepare
      const routes = Object.values(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Route'));
      const [authorizerId] = Object.keys(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Authorizer'));

      // Assess
      expect(routes).toHaveLength(ROUTES.length);
      for (const contract of ROUTES) {
        const route = routes.find((r) => r.Properties.RouteKey === `${contract.method} ${contract.path}`);
        expect(route, `${contract.method} ${contract.path}`).toBeDefined();
        if (contract.auth === 'jwt') {
          expect(route?.Properties).toMatchObject({
            AuthorizationType: 'JWT',
            AuthorizerId: { Ref: authorizerId },
          });
        } else {
          expect(route?.Properties.AuthorizationType).toBe('NONE');
          expect(route?.Properties.AuthorizerId).toBeUndefined();
        }
      }
    });

    it('integrates each route with the function that lists it', () => {
      const integrations = resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Integration');
      const routes = Object.values(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Route'));
      for (const contract of ROUTES) {
        const route = routes.find((r) => r.Properties.RouteKey === `${contract.method} ${contract.path}`);
        const target = JSON.stringify(route?.Properties.Target);
        const integration = Object.entries(integrations).find(([id]) => target.includes(id))?.[1];
        const [fnId] = resourceByPrefix(
          built.serviceTemplate,
          'AWS::Lambda::Function',
          pascalCase(functionOfRoute(contract.id)?.id ?? 'none'),
        );
        expect(JSON.stringify(integration?.Properties.IntegrationUri)).toContain(fnId);
      }
    });

    it("checks the Cognito pool as issuer, and its API client and the console's client as audience", () => {
      built.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: Match.anyValue(), Audience: [Match.anyValue(), Match.anyValue()] },
      });
    });

    it('throttles the default stage, logs access as JSON, has no CORS', () => {
      built.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
      });
      const [api] = Object.values(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Api'));
      expect(api?.Properties.CorsConfiguration).toBeUndefined();
      built.serviceTemplate.hasOutput('ApiUrl', {});
    });
  });

  describe('alarms and dashboard', () => {
    const alarmFor = (name: string) =>
      Object.values(resourcesOf(built.serviceTemplate, 'AWS::CloudWatch::Alarm')).find(
        (a) => a.Properties.AlarmName === `vpp-manager-dev-${name}`,
      );

    it("alarms on every queue's DLQ having a visible message, to the alarm topic", () => {
      const [topicId] = Object.keys(resourcesOf(built.serviceTemplate, 'AWS::SNS::Topic'));
      for (const queue of QUEUES) {
        const alarm = alarmFor(`dlq-${queue.id}`);
        expect(alarm?.Properties, queue.id).toMatchObject({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
          AlarmActions: [{ Ref: topicId }],
        });
        // The dimension is the DLQ's name, exported by the stateful stack.
        expect(JSON.stringify(alarm?.Properties.Dimensions)).toContain(
          `${pascalCase(queue.id)}QueueDeadLetterQueue`,
        );
      }
    });

    it("alarms on every function's errors and throttles, and on API 5xx", () => {
      for (const fn of FUNCTIONS) {
        expect(alarmFor(`errors-${fn.id}`)?.Properties).toMatchObject({ MetricName: 'Errors', Threshold: 0 });
        expect(alarmFor(`throttles-${fn.id}`)?.Properties).toMatchObject({
          MetricName: 'Throttles',
          Threshold: 0,
        });
      }
      expect(alarmFor('api-5xx')?.Properties).toMatchObject({
        MetricName: '5xx',
        Namespace: 'AWS/ApiGateway',
      });
      built.serviceTemplate.resourceCountIs(
        'AWS::CloudWatch::Alarm',
        QUEUES.length + FUNCTIONS.length * 2 + 1,
      );
    });

    it('sends alarms to a KMS-encrypted, TLS-only topic that CloudWatch may publish to', () => {
      built.serviceTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      built.serviceTemplate.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      built.serviceTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sns:Publish',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
            }),
          ]),
        },
      });
      built.serviceTemplate.hasOutput('*', {
        Description: Match.stringLikeRegexp('SNS topic of every alarm'),
      });
    });

    it('has a dashboard with a text widget, the API, every function and every queue with its DLQ', () => {
      const [[dashboardId, dashboard] = []] = Object.entries(
        resourcesOf(built.serviceTemplate, 'AWS::CloudWatch::Dashboard'),
      );
      built.serviceTemplate.hasOutput('DashboardName', { Value: { Ref: dashboardId } });
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const text of [
        '"type\\":\\"text\\"',
        'API requests',
        'API latency',
        'API 4xx',
        'API 5xx',
        'Dead-letter queue depth',
      ]) {
        expect(body).toContain(text);
      }
      for (const fn of FUNCTIONS) expect(body).toContain(`\\"label\\":\\"${fn.id}\\"`);
      for (const queue of QUEUES) {
        expect(body).toContain(`\\"label\\":\\"${queue.id}\\"`);
        expect(body).toContain(`\\"label\\":\\"${queue.id} DLQ\\"`);
      }
    });
  });
});
