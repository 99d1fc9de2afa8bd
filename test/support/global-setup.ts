/**
 * Starts one DynamoDB Local (in memory) for the whole test run; each test file creates its own tables
 * under a unique prefix. Test files reach it through `inject('dynamoEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../functions/local/engines/dynamodb-local.ts';

let stop: (() => Promise<void>) | undefined;

export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  stop = dynamo.stop;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await stop?.();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
