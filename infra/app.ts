/**
 * The CDK app (cdk.json "app"): reads the configuration from context and environment, builds the
 * console (when stale) and the stacks of the stage and runs the cdk-nag AwsSolutions checks. `cdk synth` needs no AWS account.
 */
import { App } from 'aws-cdk-lib';
import { ensureConsoleBuilt } from '../shared/console/build.ts';
import { InfraConfigError, loadInfraConfig } from './config.ts';
import { createStacks } from './create-stacks.ts';
import { enableNagChecks } from './nag.ts';

const app = new App();
try {
  const config = loadInfraConfig((key) => app.node.tryGetContext(key), process.env);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  // The console's files are an asset of the service stack: built here (Vite, offline) when stale.
  const consoleFiles = await ensureConsoleBuilt();
  createStacks(app, config, { consoleFiles, ...(account || region ? { env: { account, region } } : {}) });
  enableNagChecks(app);
} catch (error) {
  if (!(error instanceof InfraConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
