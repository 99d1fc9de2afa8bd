/**
 * The generic wiring, against a manifest that uses every trigger kind and every kind of access (the
 * real manifest plus fixtures): queue workers, schedules, every route auth, and least privilege.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EMAIL_ACTIONS,
  pascalCase,
  SECRET_READ_ACTIONS,
  SECRET_WRITE_ACTIONS,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../../../infra/constructs/app-function.ts';
import { ENV } from '../../../shared/config/env-keys.ts';
import type { FunctionDefinition } from '../../../shared/config/functions.ts';
import { QUEUES, workerTimeoutSeconds } from '../../../shared/config/queues.ts';
import { SCHEDULES } from '../../../shared/config/schedules.ts';
import { TABLES } from '../../../shared/config/tables.ts';
import {
  actionsOf,
  buildApp,
  resourceByPrefix,
  resourcesIn,
  resourcesOf,
  type Statement,
  statementsOf,
  synthesise,
  type Templates,
} from '../support/app.ts';
import { FIXTURE_FUNCTIONS, FIXTURE_ROUTES } from '../support/fixture-manifest.ts';

const SENSITIVE_SERVICES = ['dynamodb', 'sqs', 'ses', 'secretsmanager'];

/** The statements of a function's role, found through the role the function runs as. */
function statementsOfFunction(template: Template, fnId: string): Statement[] {
  const [roleId] = resourceByPrefix(template, 'AWS::IAM::Role', `${pascalCase(fnId)}Role`);
  const policies = Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([id]) => id);
  return statementsOf(template).filter((s) => policies.includes(s.policy));
}

const actionsWith = (statements: Statement[], prefix: string) =>
  statements.flatMap(actionsOf).filter((a) => a.startsWith(`${prefix}:`));

const mentions = (statement: Statement, text: string) => JSON.stringify(statement.Resource).includes(text);

describe('manifest wiring (every trigger and access kind)', () => {
  let built: Templates;
  beforeAll(() => {
    built = synthesise({ functions: FIXTURE_FUNCTIONS, routes: FIXTURE_ROUTES });
  });

  it('creates every function of the manifest', () => {
    // Plus BucketDeployment's handler, which uploads the console.
    built.serviceTemplate.resourceCountIs('AWS::Lambda::Function', FIXTURE_FUNCTIONS.length + 1);
  });

  it("sets a function's reserved concurrency only when the manifest gives one", () => {
    for (const fn of FIXTURE_FUNCTIONS) {
      const [, resource] = resourceByPrefix(
        built.serviceTemplate,
        'AWS::Lambda::Function',
        pascalCase(fn.id),
      );
      expect(resource.Properties.ReservedConcurrentExecutions, fn.id).toBe(fn.reservedConcurrency);
    }
    expect(FIXTURE_FUNCTIONS.some((f) => f.reservedConcurrency === 3)).toBe(true);
  });

  describe('queue workers', () => {
    const workers = FIXTURE_FUNCTIONS.filter((f) => f.trigger.kind === 'queue');

    it('covers every queue', () => {
      expect(new Set(workers.map((w) => (w.trigger.kind === 'queue' ? w.trigger.queue : '')))).toEqual(
        new Set(QUEUES.map((q) => q.id)),
      );
    });

    /** The event source mapping of `worker` in `template`. */
    const mappingOf = (template: Template, worker: FunctionDefinition) => {
      const [fnLogicalId] = resourceByPrefix(template, 'AWS::Lambda::Function', pascalCase(worker.id));
      return Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).find(
        (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fnLogicalId }),
      );
    };

    it.each(workers.map((w) => [w.id, w] as const))(
      '%s: partial batch failures, batch size and WORKER_CONCURRENCY (default 20) as max concurrency',
      (_id, worker) => {
        // Prepare
        if (worker.trigger.kind !== 'queue') throw new Error('not a worker');
        const { queue: queueId } = worker.trigger;
        const queue = QUEUES.find((q) => q.id === queueId);

        // Act
        const mapping = mappingOf(built.serviceTemplate, worker);

        // Assess
        expect(built.config.workerConcurrency).toBe(20);
        expect(mapping?.Properties).toMatchObject({
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BatchSize: queue?.batchSize,
          ScalingConfig: { MaximumConcurrency: 20 },
        });
        expect(JSON.stringify(mapping?.Properties.EventSourceArn)).toContain(`${pascalCase(queueId)}Queue`);
      },
    );

    it('gives every worker the configured workerConcurrency, and every function WORKER_CONCURRENCY', () => {
      // Act
      const configured = synthesise({
        functions: FIXTURE_FUNCTIONS,
        routes: FIXTURE_ROUTES,
        context: { workerConcurrency: '37' },
        nag: false,
      });

      // Assess
      for (const worker of workers)
        expect(mappingOf(configured.serviceTemplate, worker)?.Properties.ScalingConfig, worker.id).toEqual({
          MaximumConcurrency: 37,
        });
      for (const fn of FIXTURE_FUNCTIONS) {
        const [, resource] = resourceByPrefix(
          configured.serviceTemplate,
          'AWS::Lambda::Function',
          pascalCase(fn.id),
        );
        expect(
          (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
          fn.id,
        ).toMatchObject({ [ENV.workerConcurrency]: '37' });
      }
    });

    it('refuses a worker whose timeout does not fit its queue', () => {
      const [queue] = QUEUES;
      if (!queue) throw new Error('no queue');
      const tooSlow: FunctionDefinition = {
        id: 'too-slow',
        entry: 'functions/http/api-public.ts',
        description: 'x',
        memoryMb: 128,
        timeoutSeconds: workerTimeoutSeconds(queue) + 1,
        trigger: { kind: 'queue', queue: queue.id },
        access: {},
      };
      expect(() => buildApp({ functions: [tooSlow], routes: [], nag: false })).toThrow(
        /exceeds .*workerTimeoutSeconds/,
      );
    });
  });

  describe('schedules', () => {
    const jobs = FIXTURE_FUNCTIONS.filter((f) => f.trigger.kind === 'schedule');

    const ruleOf = (template: Template, fnId: string) => {
      const [fnLogicalId] = resourceByPrefix(template, 'AWS::Lambda::Function', pascalCase(fnId));
      return Object.values(resourcesOf(template, 'AWS::Events::Rule')).find((r) =>
        JSON.stringify(r.Properties.Targets).includes(fnLogicalId),
      );
    };

    it('runs each scheduled function on its schedule, with the default expression', () => {
      built.serviceTemplate.resourceCountIs('AWS::Events::Rule', jobs.length);
      for (const job of jobs) {
        const schedule = SCHEDULES.find(
          (s) => job.trigger.kind === 'schedule' && s.id === job.trigger.schedule,
        );
        expect(ruleOf(built.serviceTemplate, job.id)?.Properties).toMatchObject({
          ScheduleExpression: schedule?.defaultExpression,
          State: 'ENABLED',
        });
      }
    });

    it('takes the expressions from context', () => {
      // Act
      const context = Object.fromEntries(SCHEDULES.map((s, n) => [s.contextKey, `rate(${n + 2} hours)`]));
      const { serviceTemplate } = synthesise({
        functions: FIXTURE_FUNCTIONS,
        routes: FIXTURE_ROUTES,
        context,
        nag: false,
      });

      // Assess
      SCHEDULES.forEach((schedule, n) => {
        const job = jobs.find((j) => j.trigger.kind === 'schedule' && j.trigger.schedule === schedule.id);
        expect(ruleOf(serviceTemplate, job?.id ?? '')?.Properties.ScheduleExpression).toBe(
          `rate(${n + 2} hours)`,
        );
      });
    });
  });

  describe('routes', () => {
    it('puts the JWT authorizer on jwt routes only; none and apple-secret routes have none', () => {
      const routes = Object.values(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Route'));
      expect(routes).toHaveLength(FIXTURE_ROUTES.length);
      for (const contract of FIXTURE_ROUTES) {
        const route = routes.find((r) => r.Properties.RouteKey === `${contract.method} ${contract.path}`);
        expect(route?.Properties.AuthorizationType, contract.path).toBe(
          contract.auth === 'jwt' ? 'JWT' : 'NONE',
        );
      }
    });

    it('gives each function one invoke permission for the API, not one per route', () => {
      const http = FIXTURE_FUNCTIONS.filter((f) => f.trigger.kind === 'http');
      const permissions = Object.values(resourcesOf(built.serviceTemplate, 'AWS::Lambda::Permission')).filter(
        (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
      );
      expect(permissions).toHaveLength(http.length);
    });

    it('refuses a route to an unknown function', () => {
      const [route] = FIXTURE_ROUTES;
      if (!route) throw new Error('no route');
      expect(() => buildApp({ functions: [], routes: [route], nag: false })).toThrow(
        /not in the function list/,
      );
    });

    it('refuses a function that lists a route the contracts lack, and a route two functions list', () => {
      const http = FIXTURE_FUNCTIONS.find((f) => f.id === 'fixture-http');
      if (!http) throw new Error('no fixture-http');
      const listing = (id: string, routes: readonly string[]): FunctionDefinition => ({
        ...http,
        id,
        trigger: { kind: 'http', routes },
      });
      expect(() =>
        buildApp({ functions: [listing('lists-unknown', ['noSuchRoute'])], routes: [], nag: false }),
      ).toThrow(/lists route noSuchRoute, which is not in the route contracts/);
      const [route] = FIXTURE_ROUTES;
      if (!route) throw new Error('no route');
      expect(() =>
        buildApp({
          functions: [listing('first', [route.id]), listing('second', [route.id])],
          routes: [route],
          nag: false,
        }),
      ).toThrow(/listed by two functions: first and second/);
    });
  });

  describe('least privilege', () => {
    it('never grants dynamodb, sqs, ses or secretsmanager actions on Resource "*"; "*" only for X-Ray', () => {
      for (const template of [built.serviceTemplate, built.statefulTemplate]) {
        for (const statement of statementsOf(template)) {
          if (!resourcesIn(statement).includes('*')) continue;
          for (const action of actionsOf(statement)) {
            expect(SENSITIVE_SERVICES).not.toContain(action.split(':')[0]);
            expect(action).toMatch(/^xray:/);
          }
        }
      }
    });

    it('grants secrets actions only on the vpp-manager/<stage>/ prefix', () => {
      // The cursor key is granted by its own ARN (next test); every other secret by the prefix.
      const secretStatements = statementsOf(built.serviceTemplate).filter(
        (s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')) && !mentions(s, 'CursorKey'),
      );
      expect(secretStatements.length).toBeGreaterThan(0);
      for (const statement of secretStatements) {
        expect(resourcesIn(statement)).toHaveLength(1);
        const arn = JSON.stringify(resourcesIn(statement)[0]);
        expect(arn).toContain(':secretsmanager:');
        expect(arn).toMatch(/:secret:vpp-manager\/dev\/\*"/);
      }
    });

    it.each(FIXTURE_FUNCTIONS.map((f) => [f.id, f] as const))(
      '%s: exactly the grants of its access',
      (_id, fn) => {
        // Prepare
        const statements = statementsOfFunction(built.serviceTemplate, fn.id);
        const [, resource] = resourceByPrefix(
          built.serviceTemplate,
          'AWS::Lambda::Function',
          pascalCase(fn.id),
        );
        const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        const access = fn.access;

        // Assess: tables, each with the actions of its mode, and its variable.
        for (const table of TABLES) {
          const mode = access.tables?.[table.id];
          const onTable = statements.filter(
            (s) => mentions(s, `${pascalCase(table.id)}Table`) && !mentions(s, '/index/'),
          );
          const actions = onTable.flatMap(actionsOf);
          if (!mode) {
            expect(
              statements.some((s) => mentions(s, `${pascalCase(table.id)}Table`)),
              table.id,
            ).toBe(false);
            expect(variables).not.toHaveProperty(ENV[table.envKey]);
            continue;
          }
          expect(variables).toHaveProperty(ENV[table.envKey]);
          expect(actions).toEqual(expect.arrayContaining([...TABLE_READ_ACTIONS]));
          if (mode === 'write') expect(actions).toEqual(expect.arrayContaining([...TABLE_WRITE_ACTIONS]));
          else for (const a of TABLE_WRITE_ACTIONS) expect(actions, `${fn.id} ${table.id}`).not.toContain(a);
        }
        expect(actionsWith(statements, 'dynamodb').every((a) => !a.includes('*'))).toBe(true);

        // Queues: send to the listed ones only.
        for (const queue of QUEUES) {
          const sends = statements.some(
            (s) => actionsOf(s).includes('sqs:SendMessage') && mentions(s, `${pascalCase(queue.id)}Queue`),
          );
          expect(sends, `${fn.id} -> ${queue.id}`).toBe(access.sendsTo?.includes(queue.id) ?? false);
          expect(variables[ENV[queue.envKey]] !== undefined).toBe(
            access.sendsTo?.includes(queue.id) ?? false,
          );
        }
        const consumes = fn.trigger.kind === 'queue';
        expect(actionsWith(statements, 'sqs').includes('sqs:ReceiveMessage')).toBe(consumes);

        // The cursor key: read, that one secret, with its variable.
        const onCursorKey = statements.filter((s) => mentions(s, 'CursorKey'));
        if (!access.cursorKey) {
          expect(onCursorKey).toEqual([]);
          expect(variables).not.toHaveProperty(ENV.cursorKeySecret);
        } else {
          expect(onCursorKey.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
          expect(variables).toHaveProperty(ENV.cursorKeySecret);
        }

        // Secrets: none, read, or read and write.
        const secretActions = actionsWith(
          statements.filter((s) => !mentions(s, 'CursorKey')),
          'secretsmanager',
        );
        if (!access.secrets) expect(secretActions).toEqual([]);
        else {
          expect(secretActions).toEqual(expect.arrayContaining([...SECRET_READ_ACTIONS]));
          const writes = secretActions.filter((a) => (SECRET_WRITE_ACTIONS as readonly string[]).includes(a));
          expect(writes.length > 0).toBe(access.secrets === 'write');
          expect(variables[ENV.secretPrefix]).toBe('vpp-manager/dev/');
        }
        if (!access.secrets) expect(variables).not.toHaveProperty(ENV.secretPrefix);

        // E-mail: only through the identity and the configuration set, from the sender.
        const email = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
        if (!access.email) {
          expect(email).toEqual([]);
          expect(variables).not.toHaveProperty(ENV.sesSender);
        } else {
          expect(email).toHaveLength(1);
          expect(actionsOf(email[0] as Statement).sort()).toEqual([...EMAIL_ACTIONS].sort());
          const resources = JSON.stringify(email[0]?.Resource);
          expect(resources).toContain(':identity/');
          expect(resources).toContain(':configuration-set/');
          expect(email[0]?.Condition).toEqual({
            StringEquals: { 'ses:FromAddress': 'no-reply@example.com' },
          });
          expect(variables[ENV.sesSender]).toBe('no-reply@example.com');
          expect(variables).toHaveProperty(ENV.sesConfigurationSet);
        }

        // Nothing else but logs and X-Ray.
        const known = ['dynamodb', 'sqs', 'secretsmanager', 'ses', 'logs', 'xray'];
        for (const action of statements.flatMap(actionsOf)) expect(known).toContain(action.split(':')[0]);
      },
    );

    it('tags and describes the functions that call Apple', () => {
      for (const fn of FIXTURE_FUNCTIONS) {
        const [, resource] = resourceByPrefix(
          built.serviceTemplate,
          'AWS::Lambda::Function',
          pascalCase(fn.id),
        );
        const tags = resource.Properties.Tags as { Key: string; Value: string }[];
        const tagged = tags.some((t) => t.Key === 'vpp-manager:calls-apple' && t.Value === 'true');
        expect(tagged, fn.id).toBe(fn.access.callsApple ?? false);
        expect(String(resource.Properties.Description).endsWith('(calls Apple)')).toBe(
          fn.access.callsApple ?? false,
        );
      }
    });
  });
});
