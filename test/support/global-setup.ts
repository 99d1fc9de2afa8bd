/**
 * Starts one DynamoDB Local (in memory) for a project's test files; each test file creates its own tables
 * under a unique prefix. Test files reach it through `inject('dynamoEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../functions/local/engines/dynamodb-local.ts';

/** Once per project that names it (each project has its own engine, stopped with the project). */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
