/**
 * The EventBridge schedules, in EventBridge syntax (`rate(...)` or six-field `cron(...)` in UTC). The
 * CDK stack and the local scheduler read the same expressions; CDK context or environment can change
 * them (`syncSchedule`, `reconcileSchedule`, `tokenHealthSchedule`).
 */
export interface ScheduleDefinition {
  readonly id: 'nightly-sync' | 'reconcile' | 'token-health';
  readonly description: string;
  readonly defaultExpression: string;
  /** CDK context key and environment variable that override the expression. */
  readonly contextKey: string;
  readonly envKey: string;
}

export const SCHEDULES: readonly ScheduleDefinition[] = [
  {
    id: 'nightly-sync',
    description: 'Syncs every account with Apple (users, assets, assignments)',
    defaultExpression: 'cron(0 3 * * ? *)',
    contextKey: 'syncSchedule',
    envKey: 'SYNC_SCHEDULE',
  },
  {
    id: 'reconcile',
    description: 'Reconciles every deployment with its scope',
    defaultExpression: 'rate(1 hour)',
    contextKey: 'reconcileSchedule',
    envKey: 'RECONCILE_SCHEDULE',
  },
  {
    id: 'token-health',
    description: 'Checks every content token and sends expiry alerts',
    defaultExpression: 'cron(0 6 * * ? *)',
    contextKey: 'tokenHealthSchedule',
    envKey: 'TOKEN_HEALTH_SCHEDULE',
  },
];

export type ScheduleId = ScheduleDefinition['id'];
