/**
 * cdk-nag (v3): the AwsSolutions checks run as a CDK validation plugin, so any finding fails
 * `cdk synth` (report in cdk.out/validation-report.json). Findings that are by design are acknowledged
 * next to the construct that causes them, each with its reason, through `acknowledge`.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Registers the AwsSolutions rule pack on the whole app. */
export function enableNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * Acknowledges one finding on `scope` and its children. Use the granular id where the rule has one
 * (`AwsSolutions-IAM5[Resource::...]`): a bare rule id does not match granular findings.
 */
export function acknowledge(scope: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${id}`, reason });
}

/** The X-Ray statement CDK adds for active tracing: X-Ray has no resource-level permissions. */
export const XRAY_WILDCARD = 'AwsSolutions-IAM5[Resource::*]';
