import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../../infra/constructs/app-function.ts';
import { QUEUES } from '../../../shared/config/queues.ts';
import { TABLES } from '../../../shared/config/tables.ts';
import { resourceByPrefix, resourcesOf, synthesise, type Templates } from '../support/app.ts';

const FOURTEEN_DAYS = 14 * 24 * 3600;

describe('StatefulStack', () => {
  let built: Templates;
  beforeAll(() => {
    built = synthesise();
  });

  it('has termination protection', () => {
    expect(built.stateful.terminationProtection).toBe(true);
  });

  describe('tables', () => {
    it('has one table per entry of TABLES', () => {
      built.statefulTemplate.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
    });

    it.each(TABLES.map((t) => [t.id, t] as const))(
      '%s: keys, indexes and TTL as in TABLES',
      (_id, definition) => {
        // Prepare: construct ids are derived from manifest ids and must never change.
        const [, table] = resourceByPrefix(
          built.statefulTemplate,
          'AWS::DynamoDB::GlobalTable',
          `${pascalCase(definition.id)}Table`,
        );

        // Assess
        const p = table.Properties;
        expect(p.KeySchema).toEqual([
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: 'RANGE' }] : []),
        ]);
        const indexes = (p.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: unknown }[];
        expect(indexes.map((i) => i.IndexName).sort()).toEqual(definition.indexes.map((i) => i.name).sort());
        for (const index of definition.indexes) {
          expect(indexes.find((i) => i.IndexName === index.name)?.KeySchema).toEqual([
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ]);
        }
        const attributes = p.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
        for (const a of attributes) expect(a.AttributeType).toBe('S');
        if (definition.ttlAttribute) {
          expect(p.TimeToLiveSpecification).toEqual({
            AttributeName: definition.ttlAttribute,
            Enabled: true,
          });
        } else {
          expect(p.TimeToLiveSpecification).toBeUndefined();
        }
      },
    );

    it.each(TABLES.map((t) => [t.id, t] as const))(
      '%s: on demand, PITR, encrypted, protected, retained',
      (_id, definition) => {
        const [, table] = resourceByPrefix(
          built.statefulTemplate,
          'AWS::DynamoDB::GlobalTable',
          `${pascalCase(definition.id)}Table`,
        );
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
        expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
        expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
        const [replica] = table.Properties.Replicas as Record<string, unknown>[];
        expect(replica).toMatchObject({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        });
      },
    );
  });

  describe('queues', () => {
    it('has a queue and a dead-letter queue per entry of QUEUES', () => {
      built.statefulTemplate.resourceCountIs('AWS::SQS::Queue', QUEUES.length * 2);
    });

    it.each(QUEUES.map((q) => [q.id, q] as const))(
      '%s: DLQ with maxReceiveCount, SSE, TLS only, retained',
      (_id, definition) => {
        // Prepare
        const name = `${pascalCase(definition.id)}Queue`;
        const [dlqId, dlq] = resourceByPrefix(
          built.statefulTemplate,
          'AWS::SQS::Queue',
          `${name}DeadLetterQueue`,
        );
        // CDK folds the repeated `Queue` of `<Name>Queue/Queue` into one.
        const [queueId, queue] = resourceByPrefix(built.statefulTemplate, 'AWS::SQS::Queue', name);

        // Assess
        expect(queue.Properties).toMatchObject({
          VisibilityTimeout: definition.visibilityTimeoutSeconds,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
            maxReceiveCount: definition.maxReceiveCount,
          },
        });
        expect(dlq.Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: FOURTEEN_DAYS,
        });
        expect(dlq.Properties.RedrivePolicy).toBeUndefined();
        for (const [id, resource] of [
          [queueId, queue],
          [dlqId, dlq],
        ] as const) {
          expect(resource.DeletionPolicy).toBe('Retain');
          built.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
            Queues: [{ Ref: id }],
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({
                  Effect: 'Deny',
                  Action: 'sqs:*',
                  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                }),
              ]),
            },
          });
        }
      },
    );
  });

  describe('SES', () => {
    it('creates an address identity with a configuration set (TLS required, suppression on), retained', () => {
      built.statefulTemplate.hasResource('AWS::SES::EmailIdentity', {
        DeletionPolicy: 'Retain',
        Properties: {
          EmailIdentity: 'no-reply@example.com',
          ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
        },
      });
      built.statefulTemplate.hasResource('AWS::SES::ConfigurationSet', {
        DeletionPolicy: 'Retain',
        Properties: {
          DeliveryOptions: { TlsPolicy: 'REQUIRE' },
          SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        },
      });
      built.statefulTemplate.hasOutput('SesIdentity', { Value: 'no-reply@example.com' });
      built.statefulTemplate.hasOutput('SesVerification', {
        Value: Match.stringLikeRegexp('verification link'),
      });
    });

    it('creates a domain identity and outputs its three DKIM records when sesIdentity is a domain', () => {
      // Act
      const { statefulTemplate } = synthesise({
        context: { sesSender: 'vpp@mail.example.org', sesIdentity: 'example.org' },
      });

      // Assess
      statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'example.org' });
      for (const n of [1, 2, 3]) {
        statefulTemplate.hasOutput(`SesDkimRecord${n}`, {
          Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^CNAME ')])] },
        });
      }
      expect(statefulTemplate.findOutputs('SesVerification')).toEqual({});
    });
  });

  describe('Cognito', () => {
    it('creates a retained user pool with org and role, MFA required, no self sign-up', () => {
      built.statefulTemplate.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          MfaConfiguration: 'ON',
          DeletionProtection: 'ACTIVE',
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
          Schema: Match.arrayWith([
            Match.objectLike({ Name: 'org', AttributeDataType: 'String' }),
            Match.objectLike({ Name: 'role', AttributeDataType: 'String' }),
          ]),
        }),
      });
      for (const name of ['UserPoolId', 'UserPoolClientId', 'JwtIssuer']) {
        expect(Object.keys(built.statefulTemplate.findOutputs('*')).some((id) => id.includes(name))).toBe(
          true,
        );
      }
    });

    it('lets users read but never write org and role (the client cannot escalate its own role)', () => {
      const [client] = Object.values(resourcesOf(built.statefulTemplate, 'AWS::Cognito::UserPoolClient'));
      expect(client?.Properties.ReadAttributes).toEqual(
        expect.arrayContaining(['custom:org', 'custom:role']),
      );
      expect(client?.Properties.WriteAttributes).not.toEqual(expect.arrayContaining(['custom:org']));
      expect(client?.Properties.WriteAttributes).not.toEqual(expect.arrayContaining(['custom:role']));
      expect(client?.Properties.AllowedOAuthFlows).toBeUndefined();
    });

    it('creates no user pool when an issuer and audience are configured', () => {
      const { statefulTemplate, serviceTemplate } = synthesise({
        context: { jwtIssuer: 'https://login.example.org', jwtAudience: 'vpp-api' },
      });
      statefulTemplate.resourceCountIs('AWS::Cognito::UserPool', 0);
      serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: { Issuer: 'https://login.example.org', Audience: ['vpp-api'] },
      });
    });
  });
});
