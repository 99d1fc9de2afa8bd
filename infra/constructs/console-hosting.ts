/**
 * The admin console in AWS: its built files in a private S3 bucket, served through one CloudFront
 * distribution that also fronts the HTTP API, so the console and the API share one origin (no CORS).
 *
 * - Default behaviour: the bucket through origin access control, cached, with the console's strict
 *   Content-Security-Policy. A CloudFront Function rewrites page paths (no file extension) to
 *   `/index.html`, the console's router draws them; paths under the API's prefixes that reach it
 *   (`/_local`, `/_sim`, a bare `/v1`) are a 404. It runs on this behaviour only: no distribution-wide
 *   error response, so an unknown API route stays the API's own 404.
 * - `/v1/*`, `/invitations/*`, `/apple/*`: the HTTP API, never cached, every method, every viewer header
 *   but Host (Authorization included) and the query string. The functions set their own headers.
 */
import { type CfnElement, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as deployment from 'aws-cdk-lib/aws-s3-deployment';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import {
  API_PATH_PREFIXES,
  type ConsoleConfig,
  consoleContentSecurityPolicy,
} from '../../shared/config/console.ts';
import { acknowledge } from '../nag.ts';

/** The prefixes CloudFront sends to the HTTP API; the others of API_PATH_PREFIXES exist in local mode only. */
export const API_BEHAVIOUR_PREFIXES = ['/v1', '/invitations', '/apple'] as const;

/**
 * The viewer-request function of the default behaviour (cloudfront-js-2.0): page paths become
 * `/index.html`; files keep their path; the API's prefixes are never the console's page.
 */
export const CONSOLE_REWRITE_CODE = `var API = ${JSON.stringify(API_PATH_PREFIXES)};
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  for (var i = 0; i < API.length; i++) {
    if (uri === API[i] || uri.indexOf(API[i] + '/') === 0) {
      return { statusCode: 404, statusDescription: 'Not Found' };
    }
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

export interface ConsoleHostingProps {
  /** The HTTP API's URL (`https://<id>.execute-api.<region>.amazonaws.com`). */
  readonly apiUrl: string;
  /** Origins the console calls besides its own: the sign-in issuer's. */
  readonly connectTo: readonly string[];
  readonly logRetention: RetentionDays;
}

export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly logs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly rewrite: cloudfront.Function;
  /** `https://<id>.cloudfront.net`, without a trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const expiration = props.logRetention < 9999 ? Duration.days(props.logRetention) : undefined;
    this.logs = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront's standard logs are written with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      ...(expiration ? { lifecycleRules: [{ expiration }] } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.logs,
      'AwsSolutions-S1',
      'This bucket receives the access logs of the console bucket and of the distribution; logging its own access would log into itself.',
    );
    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 'console-bucket/',
      // The console is rebuilt from source on every deploy; retained all the same, like the logs.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.rewrite = new cloudfront.Function(this, 'PageRewrite', {
      code: cloudfront.FunctionCode.fromInline(CONSOLE_REWRITE_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: "Console page paths to /index.html; the API's prefixes are never the page",
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'VPP Manager console: strict CSP (no inline script) and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy({ connectTo: props.connectTo }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const apiDomain = Fn.select(2, Fn.split('/', props.apiUrl));
    const api: cloudfront.BehaviorOptions = {
      origin: new origins.HttpOrigin(apiDomain, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      }),
      // A redirect would lose a POST's body (Apple's notifications, the invitation form).
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'VPP Manager: the admin console and the API on one origin',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          { function: this.rewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: Object.fromEntries(API_BEHAVIOUR_PREFIXES.map((prefix) => [`${prefix}/*`, api])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      "The distribution uses CloudFront's default *.cloudfront.net certificate, whose minimum TLS version cannot be set; put a custom domain with an ACM certificate (TLSv1.2_2021) in front where policy demands it.",
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Administrators and Apple reach the service from anywhere; a geographic restriction would lock out both without a configured country list.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF web ACL: it is charged per ACL and per request; the API is throttled at its stage, every API route but the public ones needs a JWT, and the console is static files. Attach a web ACL where policy demands it.',
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the built console (`files`: the Vite output) and its sign-in configuration. Hashed files
   * are cached for a year; the page and `console-config.json` are revalidated on every load, so a deploy
   * shows at once. Old hashed files stay (no prune): a tab opened before a deploy still loads its chunks.
   */
  publish(files: string, config: ConsoleConfig): void {
    const deployments = [
      new deployment.BucketDeployment(this, 'DeployAssets', {
        destinationBucket: this.bucket,
        sources: [deployment.Source.asset(files, { exclude: ['index.html', '.built'] })],
        prune: false,
        cacheControl: [deployment.CacheControl.fromString('public, max-age=31536000, immutable')],
        memoryLimit: 256,
      }),
      new deployment.BucketDeployment(this, 'DeployPage', {
        destinationBucket: this.bucket,
        sources: [
          deployment.Source.asset(files, { exclude: ['*', '!index.html'] }),
          deployment.Source.jsonData('console-config.json', config),
        ],
        prune: false,
        cacheControl: [deployment.CacheControl.noCache()],
        memoryLimit: 256,
      }),
    ];
    // The page must not arrive before the files it names.
    deployments[1]?.node.addDependency(deployments[0] as Construct);
    acknowledgeDeploymentHandler(this);
  }
}

/**
 * BucketDeployment's handler is one CDK-owned function per stack (AWS CLI `s3 sync` in Python), whose
 * role, runtime and grants CDK sets: its findings are acknowledged on it alone.
 */
/** How cdk-nag writes a part of an ARN: the value when the stack knows it (the partition follows the region), else `<AWS::Name>`. */
const part = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);

function acknowledgeDeploymentHandler(hosting: ConsoleHosting): void {
  const stack = Stack.of(hosting);
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new Error('BucketDeployment created no handler function.');
  const bucket = stack.getLogicalId(hosting.bucket.node.defaultChild as CfnElement);
  const why =
    "BucketDeployment's handler, created and sized by CDK: it copies the console's files from the CDK asset bucket into the console bucket during deployment.";
  acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    `${why} The managed policy only lets it write its own logs.`,
  );
  acknowledge(handler, 'AwsSolutions-L1', `${why} CDK picks its Python runtime with the AWS CLI layer.`);
  for (const finding of [
    'Action::s3:GetObject*',
    'Action::s3:GetBucket*',
    'Action::s3:List*',
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    `Resource::arn:${Token.isUnresolved(stack.region) ? '<AWS::Partition>' : (RegionInfo.get(stack.region).partition ?? 'aws')}:s3:::cdk-hnb659fds-assets-${part(stack.account, 'AccountId')}-${part(stack.region, 'Region')}/*`,
    `Resource::<${bucket}.Arn>/*`,
  ])
    acknowledge(
      handler,
      `AwsSolutions-IAM5[${finding}]`,
      `${why} These are CDK's grantRead on the asset bucket and grantReadWrite on the console bucket.`,
    );
}
