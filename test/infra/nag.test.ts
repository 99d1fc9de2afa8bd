/**
 * cdk-nag's AwsSolutions checks pass, as in `npm run synth`, for each shape the configuration can take;
 * every acknowledgement carries a reason; and the checks really run (an unacknowledged finding fails).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildApp } from './support/app.ts';
import { FIXTURE_FUNCTIONS, FIXTURE_ROUTES } from './support/fixture-manifest.ts';

interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

function acknowledgementsOf(app: ReturnType<typeof buildApp>['app']): Acknowledgement[] {
  return app.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .map(([id, reason]) => ({ id: id.replace(/^AwsSolutions::/, ''), reason }));
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['defaults (Cognito user pool, address identity)', {}],
    [
      'external issuer, domain identity, alarm e-mail',
      {
        jwtIssuer: 'https://login.example.org',
        jwtAudience: 'vpp-api',
        sesSender: 'vpp@example.org',
        sesIdentity: 'example.org',
        alarmEmail: 'ops@example.org',
      },
    ],
  ])('passes with no unacknowledged finding: %s', (_name, context) => {
    const { app } = buildApp({ context, cfnRules: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('passes with every trigger and access kind (fixture manifest)', () => {
    const { app } = buildApp({ functions: FIXTURE_FUNCTIONS, routes: FIXTURE_ROUTES, cfnRules: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('gives every acknowledgement a specific rule id and a reason', () => {
    // Act
    const acknowledgements = acknowledgementsOf(
      buildApp({ functions: FIXTURE_FUNCTIONS, routes: FIXTURE_ROUTES, nag: false }).app,
    );

    // Assess
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) {
      expect(id).toMatch(
        /^AwsSolutions-(APIG4|COG8|SMG4|S1|CFR[124]|L1|IAM4\[Policy::.+\]|IAM5\[(Resource|Action)::.+\])$/,
      );
      expect(reason.length).toBeGreaterThan(40);
    }
    const wildcards = acknowledgements.filter((a) => a.id.startsWith('AwsSolutions-IAM5'));
    expect(
      new Set(wildcards.map((a) => a.id.replace(/<ConsoleFiles[0-9A-F]{8}\./, '<ConsoleFiles.'))),
    ).toEqual(
      new Set([
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:vpp-manager/dev/*]',
        // BucketDeployment's handler (CDK's own grants), acknowledged on it alone.
        ...['GetObject*', 'GetBucket*', 'List*', 'Abort*', 'DeleteObject*'].map(
          (action) => `AwsSolutions-IAM5[Action::s3:${action}]`,
        ),
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'AwsSolutions-IAM5[Resource::<ConsoleFiles.Arn>/*]',
      ]),
    );
  });

  it('fails synthesis on an unacknowledged finding', () => {
    // Prepare
    const { app } = buildApp();
    new sqs.Queue(new Stack(app, 'Careless'), 'QueueWithoutDlq');

    // Act and assess
    expect(() => app.synth()).toThrow(/SQS queue is not used as a dead-letter queue/);
  });
});
