/** Runs a function on an EventBridge schedule expression (`rate(...)` or `cron(...)`, UTC). */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { ScheduleDefinition } from '../../shared/config/schedules.ts';
import type { AppFunction } from './app-function.ts';

export interface ScheduledJobProps {
  readonly fn: AppFunction;
  readonly schedule: ScheduleDefinition;
  /** The expression from configuration (context or environment), else the schedule's default. */
  readonly expression: string;
}

export class ScheduledJob extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: props.schedule.description,
      schedule: events.Schedule.expression(props.expression),
      targets: [new targets.LambdaFunction(props.fn, { retryAttempts: 2 })],
    });
  }
}
