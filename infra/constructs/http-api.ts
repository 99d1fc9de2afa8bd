/**
 * The HTTP API (API Gateway v2): one route per contract of shared/api, each integrated with the
 * function that the contract names. `jwt` routes get the JWT authorizer (issuer and audience checked by
 * API Gateway); `none` and `apple-secret` routes are public at the gateway, by design: invitation pages
 * are opened from an e-mail and Apple's notifications carry the account's bearer secret, which the
 * function checks in constant time. Default-stage throttling, JSON access logs, no CORS.
 */
import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteContract } from '../../shared/api/route.ts';
import { acknowledge } from '../nag.ts';

export interface ServiceHttpApiProps {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
}

/** One JSON line per request; no header, query or body is logged (they can carry tokens). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
};

export class ServiceHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  /** `https://<id>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  readonly url: string;
  readonly #integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
  readonly #none = new apigw.HttpNoneAuthorizer();
  readonly #audience: string[];

  constructor(scope: Construct, id: string, props: ServiceHttpApiProps) {
    super(scope, id);
    this.#audience = [...props.audience];
    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.issuer, {
      // Resolved at synthesis: the console's app client joins after the distribution exists.
      jwtAudience: Lazy.list({ produce: () => [...new Set(this.#audience)] }),
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'VPP Manager API',
      createDefaultStage: false,
      // Every route states its authorizer; this default only guards a route added without one.
      defaultAuthorizer: this.authorizer,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.api.apiEndpoint;
  }

  /** Accepts tokens for one more audience (the console's client id). */
  addAudience(audience: string): void {
    this.#audience.push(audience);
  }

  /** Adds the contract's route, integrated with `fn`, with the authorizer its `auth` asks for. */
  addRoute(route: RouteContract, fn: lambda.IFunction): apigw.HttpRoute {
    let integration = this.#integrations.get(fn);
    if (!integration) {
      // One invoke permission per function for this API, not one per route (the resource policy stays small).
      integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn, {
        scopePermissionToRoute: false,
      });
      this.#integrations.set(fn, integration);
    }
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      authorizer: route.auth === 'jwt' ? this.authorizer : this.#none,
    });
    if (!created) throw new Error(`Route ${route.method} ${route.path} was not created.`);
    if (route.auth !== 'jwt') {
      acknowledge(
        created,
        'AwsSolutions-APIG4',
        route.auth === 'apple-secret'
          ? `${route.method} ${route.path} receives Apple's notifications, which carry no JWT; the function checks the account's bearer secret in constant time.`
          : `${route.method} ${route.path} is public by design (SPEC §4): health, the OpenAPI document and the invitation pages opened from an e-mail link; the function authenticates what needs it (single-use hashed invitation tokens).`,
      );
    }
    return created;
  }
}
