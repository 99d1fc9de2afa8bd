/**
 * The console's sign-in with the stack's Cognito user pool: a Cognito domain with managed login, and
 * the console's app client (authorization code grant, public client, so PKCE and no secret). Both live
 * in the service stack, beside the distribution whose URL is the callback; the stateful stack only
 * exports the pool, so the two stacks never reference each other both ways.
 */
import { Aws, Duration, Fn } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CONSOLE_CALLBACK_PATH } from '../../shared/config/console.ts';

export interface ConsoleUserPoolSignInProps {
  readonly userPool: cognito.IUserPool;
  /** Cognito domain prefix: unique in the region; `<stage>` and the account id make it so. */
  readonly stage: string;
}

export class ConsoleUserPoolSignIn extends Construct {
  readonly domain: cognito.UserPoolDomain;
  readonly #userPool: cognito.IUserPool;
  /** The origins the console's browser calls: OIDC discovery (cognito-idp) and the token endpoint (the domain). */
  readonly origins: readonly string[];

  constructor(scope: Construct, id: string, props: ConsoleUserPoolSignInProps) {
    super(scope, id);
    this.#userPool = props.userPool;
    this.domain = new cognito.UserPoolDomain(this, 'Domain', {
      userPool: props.userPool,
      cognitoDomain: { domainPrefix: Fn.join('-', ['vpp-manager', props.stage, Aws.ACCOUNT_ID]) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.origins = [`https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}`, this.domain.baseUrl()];
  }

  /** `https://<prefix>.auth.<region>.amazoncognito.com/logout`: Cognito's discovery names no end-session endpoint. */
  get logoutEndpoint(): string {
    return `${this.domain.baseUrl()}/logout`;
  }

  /**
   * The console's app client, signing in at `urls` (the distribution's, and the public base URL if set):
   * the callback is the console's sign-in callback page, the sign-out target its root.
   */
  addClient(urls: readonly string[]): cognito.UserPoolClient {
    const unique = [...new Set(urls)];
    const roots = unique.map((url) => `${url}/`);
    const client = new cognito.UserPoolClient(this, 'Client', {
      userPool: this.#userPool,
      generateSecret: false,
      // Only the browser flow: no password or SRP auth from this client.
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: unique.map((url) => `${url}${CONSOLE_CALLBACK_PATH}`),
        logoutUrls: roots,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      // A working day: the console renews its ID token with it, then the person signs in again.
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('org', 'role'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
    // Cognito's default without a list is SRP and custom auth too: refresh only.
    (client.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
    // Managed login shows nothing without a branding for the client: Cognito's own look.
    const branding = new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.#userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    branding.node.addDependency(this.domain);
    return client;
  }
}
