import { describe, expect, it } from 'vitest';
import { InfraConfigError, loadInfraConfig, SETTINGS } from '../../infra/config.ts';
import { SCHEDULES } from '../../shared/config/schedules.ts';

const fromContext =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];
const none = fromContext({});

describe('loadInfraConfig', () => {
  it('synthesises offline with defaults: stage dev, Cognito, address identity, the schedules of the manifest', () => {
    // Act
    const config = loadInfraConfig(none, {});

    // Assess
    expect(config.stage).toBe('dev');
    expect(config.secretPrefix).toBe('vpp-manager/dev/');
    expect(config.email).toEqual({
      sender: 'no-reply@example.com',
      identity: 'no-reply@example.com',
      identityKind: 'address',
    });
    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.vppBaseUrl).toBe('https://vpp.itunes.apple.com/mdm/v2');
    expect(config.auth).toEqual({ kind: 'cognito' });
    expect(config.claims).toEqual({ sub: 'sub', email: 'email', org: 'custom:org', role: 'custom:role' });
    for (const schedule of SCHEDULES) expect(config.schedules[schedule.id]).toBe(schedule.defaultExpression);
    expect(config.eventFirstPollSeconds).toBe(300);
    expect(config.eventPollIntervalSeconds).toBe(30);
    expect(config.workerConcurrency).toBe(20);
  });

  it('reads workerConcurrency from context or WORKER_CONCURRENCY', () => {
    expect(loadInfraConfig(none, { WORKER_CONCURRENCY: '50' }).workerConcurrency).toBe(50);
    expect(
      loadInfraConfig(fromContext({ workerConcurrency: 3 }), { WORKER_CONCURRENCY: '50' }).workerConcurrency,
    ).toBe(3);
  });

  it('reads the environment, and context wins over it', () => {
    // Prepare
    const env = {
      STAGE: 'prod',
      SES_SENDER: 'vpp@env.example.org',
      PUBLIC_BASE_URL: 'https://env.example.org/',
    };

    // Act
    const config = loadInfraConfig(fromContext({ stage: 'qa' }), env);

    // Assess
    expect(config.stage).toBe('qa');
    expect(config.email.sender).toBe('vpp@env.example.org');
    expect(config.publicBaseUrl).toBe('https://env.example.org');
  });

  it('treats an empty value as not set', () => {
    expect(loadInfraConfig(fromContext({ stage: '' }), { STAGE: '' }).stage).toBe('dev');
  });

  it('takes an external issuer with its audiences and the plain claim names', () => {
    // Act
    const config = loadInfraConfig(
      fromContext({
        jwtIssuer: 'https://login.example.org/',
        jwtAudience: 'vpp-api, vpp-cli',
        jwtClaimOrg: 'tenant',
      }),
      {},
    );

    // Assess
    expect(config.auth).toEqual({
      kind: 'external',
      issuer: 'https://login.example.org/',
      audience: ['vpp-api', 'vpp-cli'],
      // The console signs in as the first audience unless told otherwise.
      consoleClientId: 'vpp-api',
      consoleScopes: 'openid email profile offline_access',
    });
    expect(config.claims).toEqual({ sub: 'sub', email: 'email', org: 'tenant', role: 'role' });
  });

  it('takes the console client id and scopes of an external issuer, and refuses scopes without openid', () => {
    // Act
    const config = loadInfraConfig(
      fromContext({
        jwtIssuer: 'https://login.example.org',
        jwtAudience: 'vpp-api',
        consoleClientId: 'vpp-console',
        consoleScopes: 'openid email',
      }),
    );

    // Assess
    expect(config.auth).toMatchObject({ consoleClientId: 'vpp-console', consoleScopes: 'openid email' });
    expect(() =>
      loadInfraConfig(
        fromContext({ jwtIssuer: 'https://login.example.org', jwtAudience: 'a', consoleScopes: 'email' }),
      ),
    ).toThrow(/consoleScopes \(context "consoleScopes" or env CONSOLE_SCOPES\): must include openid/);
  });

  it('makes a domain identity when sesIdentity is the domain of the sender', () => {
    const config = loadInfraConfig(
      fromContext({ sesSender: 'vpp@mail.example.org', sesIdentity: 'example.org' }),
    );
    expect(config.email).toEqual({
      sender: 'vpp@mail.example.org',
      identity: 'example.org',
      identityKind: 'domain',
    });
  });

  it('overrides each schedule from context or from its environment variable', () => {
    for (const schedule of SCHEDULES) {
      expect(
        loadInfraConfig(fromContext({ [schedule.contextKey]: 'rate(5 minutes)' })).schedules[schedule.id],
      ).toBe('rate(5 minutes)');
      expect(loadInfraConfig(none, { [schedule.envKey]: 'cron(0 1 * * ? *)' }).schedules[schedule.id]).toBe(
        'cron(0 1 * * ? *)',
      );
    }
  });

  it('accepts numbers from cdk.json as well as strings from -c', () => {
    const config = loadInfraConfig(fromContext({ eventFirstPollSeconds: 10, logRetentionDays: '90' }));
    expect(config.eventFirstPollSeconds).toBe(10);
    expect(config.logRetentionDays).toBe(90);
  });

  it('documents an environment variable for every setting, one per schedule included', () => {
    for (const schedule of SCHEDULES) expect(SETTINGS[schedule.contextKey]?.env).toBe(schedule.envKey);
    const envs = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
  });

  describe('rejects bad values with a message naming the setting and its variable', () => {
    const rejects = (context: Record<string, unknown>, message: RegExp, env: Record<string, string> = {}) => {
      const load = () => loadInfraConfig(fromContext(context), env);
      expect(load).toThrow(InfraConfigError);
      expect(load).toThrow(message);
    };

    it('an issuer without an audience, and an audience without an issuer', () => {
      rejects(
        { jwtIssuer: 'https://login.example.org' },
        /jwtAudience \(context "jwtAudience" or env JWT_AUDIENCE\): jwtIssuer and jwtAudience must be given together/,
      );
      rejects(
        {},
        /jwtIssuer \(context "jwtIssuer" or env JWT_ISSUER\): jwtIssuer and jwtAudience must be given together/,
        {
          JWT_AUDIENCE: 'vpp-api',
        },
      );
    });

    it('a base URL that is not an https URL', () => {
      rejects(
        { publicBaseUrl: 'not a url' },
        /publicBaseUrl \(context "publicBaseUrl" or env PUBLIC_BASE_URL\): must be an https:\/\/ URL/,
      );
      rejects({ vppBaseUrl: 'http://vpp.example.org' }, /vppBaseUrl .*must be an https:\/\/ URL/);
      rejects({ jwtIssuer: 'issuer', jwtAudience: 'a' }, /jwtIssuer .*must be an https:\/\/ URL/);
    });

    it('a schedule that is not an EventBridge expression', () => {
      rejects(
        { syncSchedule: 'every night' },
        /syncSchedule \(context "syncSchedule" or env SYNC_SCHEDULE\): must be an EventBridge expression/,
      );
      rejects({ reconcileSchedule: 'cron(0 * * * *)' }, /reconcileSchedule .*EventBridge expression/);
    });

    it('a stage that cannot name stacks and secrets, a bad sender, an identity that does not cover it', () => {
      rejects({ stage: 'Prod_1' }, /stage .*lower-case/);
      rejects({ sesSender: 'nobody' }, /sesSender .*e-mail address/);
      rejects(
        { sesSender: 'vpp@example.org', sesIdentity: 'example.com' },
        /sesIdentity .*sender address or the domain of the sender/,
      );
    });

    it('poll intervals and retention out of range', () => {
      rejects({ eventPollIntervalSeconds: '0' }, /eventPollIntervalSeconds/);
      rejects({ logRetentionDays: '31' }, /logRetentionDays .*must be one of/);
    });

    it('a worker concurrency SQS event sources do not take (2 to 1000, whole)', () => {
      for (const value of ['1', '1001', '2.5', 'many'])
        rejects(
          { workerConcurrency: value },
          /workerConcurrency \(context "workerConcurrency" or env WORKER_CONCURRENCY\)/,
        );
    });

    it('every problem at once', () => {
      rejects(
        { stage: 'X', publicBaseUrl: 'x', syncSchedule: 'x' },
        /stage[\s\S]*publicBaseUrl[\s\S]*syncSchedule/,
      );
    });
  });
});
