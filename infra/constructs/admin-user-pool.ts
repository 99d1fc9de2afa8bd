/**
 * The Cognito user pool created when no external JWT issuer is configured. Administrators are created
 * by an administrator (no self sign-up) with the custom attributes `org` and `role`, which appear in
 * the ID token as `custom:org` and `custom:role`. Users can never write them: the app client's
 * write attributes leave them out, so only AdminUpdateUserAttributes (IAM) can change them.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export class AdminUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The JWT issuer: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** The JWT audience: the app client id (the `aud` claim of ID tokens). */
  readonly audience: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        org: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: true }),
        role: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'The Plus feature plan (threat protection) is charged per monthly active user; the pool holds a few administrators created by an administrator (no self sign-up), with TOTP MFA required and a strong password policy. Switch featurePlan to PLUS where policy demands it.',
    );

    const readable = new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
      .withCustomAttributes('org', 'role');
    const writable = new cognito.ClientAttributes().withStandardAttributes({ fullname: true });
    this.client = this.userPool.addClient('ApiClient', {
      generateSecret: false,
      // Tokens come from the Cognito API (SRP, or a password for command-line tools), both behind
      // the required TOTP; no hosted UI, so no OAuth flows and no callback URLs.
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: readable,
      writeAttributes: writable,
    });
    this.client.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.issuer = this.userPool.userPoolProviderUrl;
    this.audience = this.client.userPoolClientId;

    new CfnOutput(Stack.of(this), 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Cognito user pool of the API callers',
    });
    new CfnOutput(Stack.of(this), 'UserPoolClientId', {
      value: this.client.userPoolClientId,
      description: 'App client whose ID tokens the API accepts (audience)',
    });
    new CfnOutput(Stack.of(this), 'JwtIssuer', {
      value: this.issuer,
      description: 'Issuer the JWT authorizer checks',
    });
  }
}
