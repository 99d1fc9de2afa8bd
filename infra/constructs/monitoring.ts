/**
 * Alarms and the dashboard. Every alarm goes to one SNS topic (KMS-encrypted, TLS only), which
 * CloudWatch may publish to: each DLQ with a visible message, each function's errors and throttles,
 * and the API's 5xx answers. The dashboard shows the API, every function and every queue with its DLQ.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AppFunction, QueueBinding } from './app-function.ts';
import { pascalCase } from './app-function.ts';
import type { ServiceHttpApi } from './http-api.ts';

export interface MonitoringProps {
  readonly stage: string;
  readonly functions: readonly AppFunction[];
  readonly queues: readonly QueueBinding[];
  readonly api: ServiceHttpApi;
  /** @default - no subscription: subscribe to the topic (output AlarmTopicArn) as you like */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly #prefix: string;
  readonly #action: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.#prefix = `vpp-manager-${props.stage}`;

    // Alarm notifications are transient: the key goes with the service stack.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ${this.#prefix} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch cannot publish to a topic under the AWS-managed aws/sns key; it needs this grant.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `VPP Manager (${props.stage}) alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.#action = new cloudwatchActions.SnsAction(this.topic);

    for (const queue of props.queues) {
      this.#alarm(
        `${pascalCase(queue.definition.id)}DlqAlarm`,
        `dlq-${queue.definition.id}`,
        queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
        }),
        `Messages of the ${queue.definition.id} queue failed ${queue.definition.maxReceiveCount} times and wait in its dead-letter queue: read them, fix the cause, then redrive.`,
      );
    }
    for (const fn of props.functions) {
      const name = pascalCase(fn.definition.id);
      this.#alarm(
        `${name}ErrorsAlarm`,
        `errors-${fn.definition.id}`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        `The ${fn.definition.id} function failed (unhandled error or timeout): see its log group.`,
      );
      this.#alarm(
        `${name}ThrottlesAlarm`,
        `throttles-${fn.definition.id}`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        `The ${fn.definition.id} function was throttled: check the account's concurrency (each queue worker runs up to WORKER_CONCURRENCY at once).`,
      );
    }
    this.#alarm(
      'Api5xxAlarm',
      'api-5xx',
      props.api.api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      'The API answered 5xx: see the access logs and the functions behind the failing routes.',
    );

    this.dashboard = this.#dashboard(props);
    new CfnOutput(Stack.of(this), 'AlarmTopicArn', {
      value: this.topic.topicArn,
      description: 'SNS topic of every alarm: subscribe e-mail, chat or paging to it',
    });
    new CfnOutput(Stack.of(this), 'DashboardName', {
      value: this.dashboard.dashboardName,
      description: 'CloudWatch dashboard of the service',
    });
  }

  #alarm(id: string, name: string, metric: cloudwatch.IMetric, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.#prefix}-${name}`,
      alarmDescription: description,
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.#action);
    alarm.addOkAction(this.#action);
    this.alarms.push(alarm);
  }

  #dashboard(props: MonitoringProps): cloudwatch.Dashboard {
    const { api, functions, queues } = props;
    const http = api.api;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.#prefix}`,
      defaultInterval: Duration.hours(6),
    });
    const fnMetric = (label: (fn: AppFunction) => cloudwatch.IMetric) => functions.map(label);
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          `# VPP Manager (${props.stage})`,
          'Alarms go to the alarm topic (stack output `AlarmTopicArn`). A message in a dead-letter queue is work',
          'that failed for good: read it, fix the cause, then redrive it from the SQS console.',
          'Logs: each function has its own log group; the API access log is JSON, one line per request.',
        ].join('\n'),
        width: 16,
        height: 4,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8, height: 4 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests',
        left: [http.metricCount({ period: PERIOD, statistic: 'Sum' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p90', 'p99'].map((statistic) =>
          http.metricLatency({ period: PERIOD, statistic, label: statistic }),
        ),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'API 4xx',
        left: [http.metricClientError({ period: PERIOD, statistic: 'Sum' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'API 5xx',
        left: [http.metricServerError({ period: PERIOD, statistic: 'Sum' })],
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: fnMetric((fn) =>
          fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: fn.definition.id }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p90 (ms)',
        left: fnMetric((fn) =>
          fn.metricDuration({ period: PERIOD, statistic: 'p90', label: fn.definition.id }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles',
        left: fnMetric((fn) =>
          fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: fn.definition.id }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth (visible messages)',
        left: queues.map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: 'Maximum',
            label: q.definition.id,
          }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest message age (s)',
        left: queues.map((q) =>
          q.queue.metricApproximateAgeOfOldestMessage({
            period: PERIOD,
            statistic: 'Maximum',
            label: q.definition.id,
          }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: queues.map((q) =>
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: 'Maximum',
            label: `${q.definition.id} DLQ`,
          }),
        ),
        width: 8,
      }),
    );
    return dashboard;
  }
}
