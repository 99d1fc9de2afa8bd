/**
 * The house Lambda function: nodejs24.x on arm64, an ESM bundle (see bundling.ts), X-Ray tracing, its
 * own log group with a retention, Powertools settings, and a role that starts empty. Access is added
 * only through the binding helpers, each of which sets the environment variable and the grant
 * together, so what a function is told and what it may do cannot drift apart.
 */
import path from 'node:path';
import { Aws, Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV, type EnvKey, SETTINGS_ENV_KEYS } from '../../shared/config/env-keys.ts';
import type { FunctionAccess, FunctionDefinition } from '../../shared/config/functions.ts';
import type { QueueDefinition, QueueId } from '../../shared/config/queues.ts';
import type { TableDefinition, TableId } from '../../shared/config/tables.ts';
import { acknowledge, XRAY_WILDCARD } from '../nag.ts';
import { LAMBDA_BUNDLING, LOCK_FILE, REPO_ROOT } from './bundling.ts';

/** Powertools service name and metrics namespace (the same as functions/lib/powertools.ts). */
export const SERVICE_NAME = 'vpp-manager';
export const METRICS_NAMESPACE = 'VppManager';

/**
 * Variables every function gets. The others come from the binding helpers: each table's and queue's
 * `envKey` of the manifests, and `BINDING_ENV_KEYS` (a test checks that together they cover ENV).
 */
export const COMMON_ENV_KEYS = [
  ...SETTINGS_ENV_KEYS,
  'workerConcurrency',
] as const satisfies readonly EnvKey[];
export type CommonEnvKey = (typeof COMMON_ENV_KEYS)[number];

/** Set by `bindSecrets`, `bindCursorKey` and `bindEmail`. */
export const BINDING_ENV_KEYS = [
  'secretPrefix',
  'cursorKeySecret',
  'sesSender',
  'sesConfigurationSet',
] as const satisfies readonly EnvKey[];

export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;
/** Indexes are only ever queried or scanned. */
export const INDEX_READ_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'] as const;
export const SECRET_READ_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:DescribeSecret',
] as const;
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  // CreateSecret with Tags needs it.
  'secretsmanager:TagResource',
] as const;
export const EMAIL_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

/** A table of shared/config/tables.ts with the resource that implements it. */
export interface TableBinding {
  readonly definition: TableDefinition;
  readonly table: ITableV2;
}

/** A queue of shared/config/queues.ts with its queue and dead-letter queue. */
export interface QueueBinding {
  readonly definition: QueueDefinition;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

/** The SES sender: identity and configuration set, to which sending is limited. */
export interface EmailBinding {
  readonly sender: string;
  readonly identityArn: string;
  readonly configurationSetName: string;
  readonly configurationSetArn: string;
}

/** What a stack gives all its functions. */
export interface AppFunctionSettings {
  /** Values of the variables every function gets. */
  readonly environment: Readonly<Record<CommonEnvKey, string>>;
  /** The secret name prefix, `vpp-manager/<stage>/`: `bindSecrets` grants nothing outside it. */
  readonly secretPrefix: string;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
}

export interface AppFunctionProps {
  /** The function's entry of shared/config/functions.ts: entry, memory, timeout, description. */
  readonly definition: FunctionDefinition;
  readonly settings: AppFunctionSettings;
}

/** `api-public` → `ApiPublic`: construct ids derived from manifest ids. */
export const pascalCase = (id: string): string =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

export class AppFunction extends NodejsFunction {
  readonly definition: FunctionDefinition;
  readonly #secretPrefix: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const { definition, settings } = props;
    // Created beside the function (a subclass cannot create children before super()): an explicit
    // role without the AWSLambdaBasicExecutionRole managed policy, allowed to write only to this log group.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Role of the ${definition.id} function`,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: path.join(REPO_ROOT, definition.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      description: definition.description,
      tracing: lambda.Tracing.ACTIVE,
      ...(definition.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: definition.reservedConcurrency }
        : {}),
      role,
      logGroup,
      bundling: LAMBDA_BUNDLING,
      environment: {
        ...Object.fromEntries(
          Object.entries(settings.environment).map(([key, value]) => [ENV[key as CommonEnvKey], value]),
        ),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.definition = definition;
    this.#secretPrefix = settings.secretPrefix;
    Tags.of(this).add('vpp-manager:function', definition.id);
    acknowledge(
      role,
      XRAY_WILDCARD,
      'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions. Tests assert that Resource "*" appears with X-Ray actions only.',
    );
  }

  /** Sets the table's variable and grants read (or read and write) on the table and read on its indexes. */
  bindTable(binding: TableBinding, mode: 'read' | 'write'): this {
    const { definition, table } = binding;
    this.addEnvironment(ENV[definition.envKey], table.tableName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: mode === 'write' ? [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS] : [...TABLE_READ_ACTIONS],
        resources: [table.tableArn],
      }),
    );
    if (definition.indexes.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [...INDEX_READ_ACTIONS],
          resources: definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`),
        }),
      );
    }
    return this;
  }

  /** Sets the queue's URL variable and grants sending to that queue only. */
  bindQueueSend(binding: QueueBinding): this {
    this.addEnvironment(ENV[binding.definition.envKey], binding.queue.queueUrl);
    binding.queue.grantSendMessages(this);
    return this;
  }

  /**
   * Sets SECRET_PREFIX and grants the secret actions on `arn:...:secret:<prefix>*` only. Secrets are
   * created at run time (one per content token and notification secret), so there is no CDK secret.
   */
  bindSecrets(mode: 'read' | 'write'): this {
    this.addEnvironment(ENV.secretPrefix, this.#secretPrefix);
    const arn = secretPrefixArn(this.#secretPrefix);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions:
          mode === 'write' ? [...SECRET_READ_ACTIONS, ...SECRET_WRITE_ACTIONS] : [...SECRET_READ_ACTIONS],
        resources: [arn],
      }),
    );
    acknowledge(
      this.role ?? this,
      `AwsSolutions-IAM5[Resource::${nagRendering(arn)}]`,
      "Secrets are created at run time, one per content token and notification secret, so their names are only known by the service's prefix; the wildcard covers that prefix and nothing else.",
    );
    return this;
  }

  /** Sets the cursor key's variable and grants reading that one secret's value, nothing more. */
  bindCursorKey(secret: secretsmanager.ISecret): this {
    this.addEnvironment(ENV.cursorKeySecret, secret.secretName);
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    return this;
  }

  /** Sets the sender variables and allows sending only through the identity and configuration set, from the sender. */
  bindEmail(binding: EmailBinding): this {
    this.addEnvironment(ENV.sesSender, binding.sender);
    this.addEnvironment(ENV.sesConfigurationSet, binding.configurationSetName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...EMAIL_ACTIONS],
        resources: [binding.identityArn, binding.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': binding.sender } },
      }),
    );
    return this;
  }

  /** Marks a function that calls Apple (SPEC §5.4: counted in the per-token request budget). */
  markCallsApple(): this {
    Tags.of(this).add('vpp-manager:calls-apple', 'true');
    const cfn = this.node.defaultChild as lambda.CfnFunction;
    cfn.description = `${this.definition.description} (calls Apple)`;
    return this;
  }
}

/** Where the bindings of a stack come from. */
export interface AccessResources {
  readonly tables: Readonly<Record<TableId, TableBinding>>;
  readonly queues: Readonly<Record<QueueId, QueueBinding>>;
  readonly email: EmailBinding;
  readonly cursorKey: secretsmanager.ISecret;
}

type AccessBinders = {
  readonly [K in keyof FunctionAccess]-?: (
    fn: AppFunction,
    value: NonNullable<FunctionAccess[K]>,
    resources: AccessResources,
  ) => void;
};

/**
 * One binder per kind of access in FunctionAccess: a new kind fails to compile until it is handled here.
 */
const ACCESS_BINDERS: AccessBinders = {
  tables: (fn, tables, resources) => {
    for (const [id, mode] of Object.entries(tables) as [TableId, 'read' | 'write' | undefined][]) {
      if (mode) fn.bindTable(resources.tables[id], mode);
    }
  },
  sendsTo: (fn, queues, resources) => {
    for (const id of new Set(queues)) fn.bindQueueSend(resources.queues[id]);
  },
  secrets: (fn, mode) => {
    fn.bindSecrets(mode);
  },
  cursorKey: (fn, reads, resources) => {
    if (reads) fn.bindCursorKey(resources.cursorKey);
  },
  email: (fn, sends, resources) => {
    if (sends) fn.bindEmail(resources.email);
  },
  callsApple: (fn, calls) => {
    if (calls) fn.markCallsApple();
  },
};

/** Applies a function's `access` from the manifest: exactly these grants, and no others. */
export function bindAccess(fn: AppFunction, access: FunctionAccess, resources: AccessResources): void {
  for (const kind of Object.keys(access) as (keyof FunctionAccess)[]) {
    const value = access[kind];
    if (value === undefined) continue;
    const binder = ACCESS_BINDERS[kind] as (f: AppFunction, v: typeof value, r: AccessResources) => void;
    binder(fn, value, resources);
  }
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>*`, always with pseudo parameters. */
export function secretPrefixArn(prefix: string): string {
  return `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${prefix}*`;
}

/** How cdk-nag prints an ARN built from pseudo parameters, for a granular acknowledgement id. */
function nagRendering(arn: string): string {
  return arn
    .replace(Aws.PARTITION, '<AWS::Partition>')
    .replace(Aws.REGION, '<AWS::Region>')
    .replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
}
