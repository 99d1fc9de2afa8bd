/**
 * What holds data: one DynamoDB table per entry of shared/config/tables.ts, one queue with its
 * dead-letter queue per entry of shared/config/queues.ts, the SES identity and configuration set, and
 * (without an external issuer) the Cognito user pool, and the key that seals list cursors. Everything is retained and the stack has
 * termination protection, so deleting or re-creating the service stack never touches data.
 *
 * Construct ids are derived from the manifest ids (`core` → `CoreTable`) and must never change: a new
 * id means a new table (the old one is retained, but the service would switch to an empty one).
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { QUEUES, type QueueId } from '../../shared/config/queues.ts';
import { TABLES, type TableDefinition, type TableId } from '../../shared/config/tables.ts';
import type { InfraConfig } from '../config.ts';
import { AdminUserPool } from '../constructs/admin-user-pool.ts';
import { pascalCase, type TableBinding } from '../constructs/app-function.ts';
import { QueueWithDlq } from '../constructs/queue-with-dlq.ts';
import { SesSender } from '../constructs/ses-sender.ts';
import { acknowledge } from '../nag.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: InfraConfig;
}

/** The issuer and audience the HTTP API's JWT authorizer checks. */
export interface JwtAuthority {
  readonly issuer: string;
  readonly audience: readonly string[];
}

export class StatefulStack extends Stack {
  readonly tables: Readonly<Record<TableId, TableBinding>>;
  readonly queues: Readonly<Record<QueueId, QueueWithDlq>>;
  readonly email: SesSender;
  /** Set when the stack created the user pool (no external issuer configured). */
  readonly userPool: AdminUserPool | undefined;
  readonly jwt: JwtAuthority;
  /** The key list cursors are sealed with (SPEC §4: opaque cursors). */
  readonly cursorKey: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config } = props;

    const tables: Partial<Record<TableId, TableBinding>> = {};
    for (const definition of TABLES) {
      tables[definition.id] = { definition, table: createTable(this, definition) };
    }
    this.tables = tables as Record<TableId, TableBinding>;

    const queues: Partial<Record<QueueId, QueueWithDlq>> = {};
    for (const definition of QUEUES) {
      queues[definition.id] = new QueueWithDlq(this, `${pascalCase(definition.id)}Queue`, { definition });
    }
    this.queues = queues as Record<QueueId, QueueWithDlq>;

    this.email = new SesSender(this, 'Email', { email: config.email });

    const cursorKey = new secretsmanager.Secret(this, 'CursorKey', {
      secretName: `${config.secretPrefix}service/cursor-key`,
      description: 'VPP Manager: the key that seals list cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      cursorKey,
      'AwsSolutions-SMG4',
      'The key only seals list cursors, which live for one paging session: replacing it invalidates open cursors and nothing else, so it is rotated by replacing its value, not by a rotation Lambda.',
    );
    this.cursorKey = cursorKey;

    if (config.auth.kind === 'cognito') {
      this.userPool = new AdminUserPool(this, 'Auth');
      this.jwt = { issuer: this.userPool.issuer, audience: [this.userPool.audience] };
    } else {
      this.userPool = undefined;
      this.jwt = { issuer: config.auth.issuer, audience: config.auth.audience };
    }
  }
}

/**
 * On-demand, point-in-time recovery, deletion protection, retained. Encrypted at rest with the
 * AWS-managed key (aws/dynamodb): its use is logged in CloudTrail, it needs no key policy and no KMS
 * grants in the functions, and nothing here calls for revoking access per key or sharing across accounts.
 */
function createTable(scope: Construct, definition: TableDefinition): dynamodb.TableV2 {
  const attribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
  return new dynamodb.TableV2(scope, `${pascalCase(definition.id)}Table`, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
    globalSecondaryIndexes: definition.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
    })),
    ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
