/**
 * The console in AWS: a private bucket behind CloudFront (origin access control), the API on the same
 * distribution for its prefixes, never cached, the page fallback on the bucket's behaviour only, a
 * strict CSP, and the console's Cognito app client (code grant, public client for PKCE) whose callback
 * is the distribution and whose id the authorizer accepts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_BEHAVIOUR_PREFIXES, CONSOLE_REWRITE_CODE } from '../../../infra/constructs/console-hosting.ts';
import { resourcesOf, synthesise, type Templates } from '../support/app.ts';

type Json = Record<string, unknown>;

/** The managed policies' ids (CloudFront's own). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const only = <T>(values: Record<string, T>): [string, T] => {
  const entries = Object.entries(values);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, T];
};

describe('console hosting', () => {
  let built: Templates;
  let distribution: Json;
  let distributionId: string;
  beforeAll(() => {
    built = synthesise();
    const [id, resource] = only(resourcesOf(built.serviceTemplate, 'AWS::CloudFront::Distribution'));
    distributionId = id;
    distribution = resource.Properties.DistributionConfig as Json;
  });

  it('keeps the console in a private, TLS-only, logged bucket that only the distribution reads (OAC)', () => {
    // Prepare
    const buckets = resourcesOf(built.serviceTemplate, 'AWS::S3::Bucket');
    const [filesId, files] = Object.entries(buckets).find(([id]) => id.startsWith('ConsoleFiles')) ?? [];

    // Assess
    expect(files?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'console-bucket/' },
    });
    const [, oac] = only(resourcesOf(built.serviceTemplate, 'AWS::CloudFront::OriginAccessControl'));
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const policies = Object.values(resourcesOf(built.serviceTemplate, 'AWS::S3::BucketPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Bucket).includes(filesId ?? '?'),
    );
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Json[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    );
    const origins = distribution.Origins as Json[];
    expect(origins.find((o) => 'S3OriginConfig' in o)).toMatchObject({
      OriginAccessControlId: expect.anything(),
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
  });

  it('sends /v1/*, /invitations/* and /apple/* to the HTTP API: no cache, every method, Authorization and query forwarded', () => {
    // Prepare
    const behaviours = distribution.CacheBehaviors as Json[];
    const [apiId] = Object.keys(resourcesOf(built.serviceTemplate, 'AWS::ApiGatewayV2::Api'));
    const apiOrigin = (distribution.Origins as Json[]).find((o) => JSON.stringify(o).includes(apiId ?? '?'));

    // Assess
    expect(apiOrigin).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } });
    expect(behaviours.map((b) => b.PathPattern).sort()).toEqual(
      API_BEHAVIOUR_PREFIXES.map((p) => `${p}/*`).sort(),
    );
    for (const behaviour of behaviours) {
      expect(behaviour).toMatchObject({
        TargetOriginId: apiOrigin?.Id,
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        ViewerProtocolPolicy: 'https-only',
      });
      expect(behaviour.FunctionAssociations).toBeUndefined();
      expect(behaviour.ResponseHeadersPolicyId).toBeUndefined();
    }
    // The console's page is never the answer to an API error.
    expect(distribution.CustomErrorResponses).toBeUndefined();
  });

  it('rewrites page paths to /index.html on the default behaviour only, never under an API prefix', () => {
    // Prepare
    const [functionId, fn] = only(resourcesOf(built.serviceTemplate, 'AWS::CloudFront::Function'));
    const run = new Function(`${CONSOLE_REWRITE_CODE}; return handler;`)() as (event: {
      request: { uri: string };
    }) => { uri?: string; statusCode?: number };
    const uriOf = (uri: string) => {
      const out = run({ request: { uri } });
      return out.statusCode ?? out.uri;
    };

    // Assess
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      FunctionAssociations: [
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ],
      ViewerProtocolPolicy: 'redirect-to-https',
    });
    expect(uriOf('/')).toBe('/index.html');
    expect(uriOf('/accounts/a1/apps/42')).toBe('/index.html');
    expect(uriOf('/assets/index-abc.js')).toBe('/assets/index-abc.js');
    expect(uriOf('/console-config.json')).toBe('/console-config.json');
    for (const path of ['/v1', '/_local/outbox.html', '/_sim/x', '/invitations'])
      expect(uriOf(path)).toBe(404);
    expect(uriOf('/v1x')).toBe('/index.html');
  });

  it('answers the console with a strict Content-Security-Policy (no inline script) and security headers', () => {
    // Prepare
    const [policyId, policy] = only(
      resourcesOf(built.serviceTemplate, 'AWS::CloudFront::ResponseHeadersPolicy'),
    );
    const security = (policy.Properties.ResponseHeadersPolicyConfig as Json).SecurityHeadersConfig as Json;
    const csp = JSON.stringify(
      built.service.resolve((security.ContentSecurityPolicy as Json).ContentSecurityPolicy),
    );

    // Assess
    expect((distribution.DefaultCacheBehavior as Json).ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    // The sign-in's calls: Cognito's discovery and the domain's token endpoint.
    expect(csp).toContain('https://cognito-idp.');
    expect(security).toMatchObject({
      FrameOptions: { FrameOption: 'DENY' },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
      StrictTransportSecurity: { IncludeSubdomains: true },
    });
  });

  it("gives the console a Cognito app client: code grant, no secret (PKCE), the distribution's sign-in callback page", () => {
    // Prepare
    const distributionUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']],
    };
    const callbackUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/signin/callback']],
    };
    const clients = resourcesOf(built.serviceTemplate, 'AWS::Cognito::UserPoolClient');
    const [clientId, client] = only(clients);

    // Assess
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [callbackUrl],
      LogoutURLs: [distributionUrl],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      // The pool comes from the stateful stack's outputs.
      UserPoolId: { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'VppManager-dev-Stateful' }) },
    });
    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    built.serviceTemplate.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      ManagedLoginVersion: 2,
      Domain: Match.anyValue(),
    });
    built.serviceTemplate.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      ClientId: { Ref: clientId },
      UseCognitoProvidedValues: true,
    });
    built.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Audience: Match.arrayWith([{ Ref: clientId }]) },
    });
    // The stateful stack knows nothing of the service stack: no cycle.
    const stateful = JSON.stringify(built.statefulTemplate.toJSON());
    expect(stateful).not.toContain('Fn::ImportValue');
    expect(stateful).not.toContain('VppManager-dev-Service');
  });

  it("publishes the console's files (cached a year) and its page and sign-in configuration (revalidated)", () => {
    // Prepare
    const deployments = Object.values(resourcesOf(built.serviceTemplate, 'Custom::CDKBucketDeployment'));
    const [clientId] = Object.keys(resourcesOf(built.serviceTemplate, 'AWS::Cognito::UserPoolClient'));
    const cacheOf = (d: (typeof deployments)[number]) =>
      (d.Properties.SystemMetadata as Record<string, string>)['cache-control'];

    // Assess
    expect(deployments.map(cacheOf).sort()).toEqual(['no-cache', 'public, max-age=31536000, immutable']);
    const page = deployments.find((d) => cacheOf(d) === 'no-cache');
    // console-config.json names the console's client, resolved at deployment.
    expect(JSON.stringify(page?.Properties.SourceMarkers)).toContain(JSON.stringify({ Ref: clientId }));
    expect(deployments.map((d) => d.Properties.Prune)).toEqual([false, false]);
  });

  it('with an external issuer: no Cognito client, the configured console client in the audience, its origin in the CSP', () => {
    // Act
    const external = synthesise({
      context: {
        jwtIssuer: 'https://login.example.org/tenant',
        jwtAudience: 'vpp-api',
        consoleClientId: 'vpp-console',
      },
    });

    // Assess
    external.serviceTemplate.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    external.serviceTemplate.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    external.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://login.example.org/tenant', Audience: ['vpp-api', 'vpp-console'] },
    });
    external.serviceTemplate.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.stringLikeRegexp("connect-src 'self' https://login.example.org;"),
          },
        },
      },
    });
  });
});
