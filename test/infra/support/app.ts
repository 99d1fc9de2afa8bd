/**
 * Builds the CDK app the way infra/app.ts does (cdk.json feature flags, configuration from context and
 * environment, cdk-nag on), without esbuild bundling unless asked, and memoises one app per setup so
 * each test file synthesises as little as possible.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type InfraConfig, loadInfraConfig } from '../../../infra/config.ts';
import { REPO_ROOT } from '../../../infra/constructs/bundling.ts';
import {
  type CreateStacksOptions,
  createStacks,
  type VppManagerStacks,
} from '../../../infra/create-stacks.ts';
import { enableNagChecks } from '../../../infra/nag.ts';

/** The feature flags of cdk.json, so tests synthesise what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

let consoleFixture: string | undefined;

/**
 * A stand-in for the console's build (a page and one hashed file): the stack only uploads the folder,
 * so tests need not run Vite. `npm run synth` uploads the real build.
 */
export function consoleFiles(): string {
  if (consoleFixture) return consoleFixture;
  const dir = mkdtempSync(path.join(tmpdir(), 'vpp-console-fixture-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index-0.js"></script>',
  );
  writeFileSync(path.join(dir, 'assets', 'index-0.js'), 'export {};');
  consoleFixture = dir;
  return dir;
}

export interface BuildOptions extends Pick<CreateStacksOptions, 'functions' | 'routes'> {
  /** CDK context (`-c key=value`). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Environment variables the configuration reads. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run esbuild (slow); off by default. */
  readonly bundle?: boolean;
  /** Register the cdk-nag AwsSolutions checks (then any finding fails synthesis). @default true */
  readonly nag?: boolean;
  /**
   * Also run CDK's built-in CloudFormation rules, as `cdk synth` does (cdk.json turns them on). They add
   * about two seconds to the first synthesis of a process and change no template, so only the tests
   * that stand for `npm run synth` ask for them. @default false
   */
  readonly cfnRules?: boolean;
}

export interface BuiltApp extends VppManagerStacks {
  readonly app: App;
  readonly config: InfraConfig;
}

export function buildApp(options: BuildOptions = {}): BuiltApp {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...(options.cfnRules ? {} : { '@aws-cdk/core:validateAgainstDefaultRules': false }),
      ...options.context,
    },
  });
  const config = loadInfraConfig((key) => app.node.tryGetContext(key), options.env ?? {});
  const stacks = createStacks(app, config, {
    consoleFiles: consoleFiles(),
    ...(options.functions ? { functions: options.functions } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
  });
  if (options.nag ?? true) enableNagChecks(app);
  return { app, config, ...stacks };
}

export interface Templates extends BuiltApp {
  readonly statefulTemplate: Template;
  readonly serviceTemplate: Template;
}

/** Synthesises both stacks (cdk-nag runs here: a finding throws). */
export function synthesise(options: BuildOptions = {}): Templates {
  const built = buildApp(options);
  return {
    ...built,
    statefulTemplate: Template.fromStack(built.stateful),
    serviceTemplate: Template.fromStack(built.service),
  };
}

type Json = Record<string, unknown>;

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Json;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Resources of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** The one resource of `type` whose logical id starts with `prefix` (construct ids are derived from manifest ids). */
export function resourceByPrefix(template: Template, type: string, prefix: string): [string, CfnResource] {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (matches.length !== 1 || !matches[0]) {
    throw new Error(`Expected one ${type} with logical id ${prefix}<hash>, found ${matches.length}.`);
  }
  return matches[0];
}

/** Every IAM policy statement of a template, with the logical id of its policy. */
export interface Statement {
  readonly policy: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

export function statementsOf(template: Template): Statement[] {
  const out: Statement[] = [];
  for (const [policy, resource] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const document = resource.Properties.PolicyDocument as { Statement: Omit<Statement, 'policy'>[] };
    for (const statement of document.Statement) out.push({ policy, ...statement });
  }
  return out;
}

export const actionsOf = (statement: Pick<Statement, 'Action'>): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesIn = (statement: Pick<Statement, 'Resource'>): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
