/**
 * The composition root for local mode: the same adapters as in AWS, over SDK clients pointed at the
 * local engines (DynamoDB Local, an SQS-compatible server, the SES stand-in, the Secrets Manager
 * stand-in) and at the Apple simulator. Nothing here is a fake: only endpoints differ.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { VppObserver } from '../adapters/apple-vpp/apple-vpp-http-client.ts';
import { ENV } from '../config/env-keys.ts';
import { type AwsClients, buildDeps } from './aws.ts';
import type { Deps } from './deps.ts';

export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly ses: string;
  readonly secretsManager: string;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

export function localClients(endpoints: LocalEndpoints): AwsClients {
  return {
    dynamo: DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials }),
      {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      },
    ),
    sqs: new SQSClient({ endpoint: endpoints.sqs, region, credentials, useQueueUrlAsEndpoint: false }),
    ses: new SESv2Client({ endpoint: endpoints.ses, region, credentials }),
    secrets: new SecretsManagerClient({ endpoint: endpoints.secretsManager, region, credentials }),
  };
}

/** The environment local mode gives the handlers: the same keys CDK sets in AWS. */
export function localEnvironment(values: Partial<Record<keyof typeof ENV, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    if (value !== undefined) env[ENV[key as keyof typeof ENV]] = value;
  return env;
}

export function buildLocalDeps(
  env: Record<string, string>,
  endpoints: LocalEndpoints,
  overrides: Partial<Deps> = {},
  vppObserver?: VppObserver,
): { deps: Deps; clients: AwsClients } {
  const clients = localClients(endpoints);
  return { deps: buildDeps(env, clients, overrides, vppObserver), clients };
}
