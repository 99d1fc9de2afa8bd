/**
 * Local mode's stand-in for the JWT issuer: an ES256 key pair kept in `.local/keys/`, tokens signed
 * with it, and the same checks API Gateway's JWT authorizer makes (signature, issuer, audience, expiry).
 * Local mode may also trust one external OpenID provider (`LOCAL_OIDC_ISSUER`): its tokens are checked
 * against its JWKS, with its issuer and the console's client id as audience, as the authorizer would.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';

export const LOCAL_ISSUER = 'https://vpp-manager.local/issuer';
export const LOCAL_AUDIENCE = 'vpp-manager-local';

export interface LocalKeys {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

export async function loadOrCreateKeys(dir: string): Promise<LocalKeys> {
  const file = join(dir, 'jwt-es256.json');
  if (existsSync(file)) {
    const { privateJwk, publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as {
      privateJwk: JWK;
      publicJwk: JWK;
    };
    return {
      privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey,
      publicKey: (await importJWK(publicJwk, 'ES256')) as CryptoKey,
    };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) }),
    { mode: 0o600 },
  );
  return { privateKey, publicKey };
}

export interface TokenClaims {
  readonly org: string;
  readonly role: string;
  readonly email: string;
  readonly sub?: string;
  /** Claim names, as configured (defaults sub, email, org, role). */
  readonly names?: { sub: string; email: string; org: string; role: string };
  readonly expiresIn?: string;
}

export async function issueToken(keys: LocalKeys, claims: TokenClaims): Promise<string> {
  const names = claims.names ?? { sub: 'sub', email: 'email', org: 'org', role: 'role' };
  return new SignJWT({ [names.email]: claims.email, [names.org]: claims.org, [names.role]: claims.role })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(claims.sub ?? `local|${claims.email}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .sign(keys.privateKey);
}

/** An external OpenID provider whose tokens local mode accepts besides its own. */
export interface TrustedIssuer {
  readonly issuer: string;
  /** The audience its tokens must carry: the console's client id (the ID token's `aud`). */
  readonly audience: string;
  /** The origins a browser calls for sign-in: the issuer's (discovery) and its token endpoint's. */
  readonly origins: readonly string[];
  readonly keys: JWTVerifyGetKey;
}

/** Reads the provider's discovery document (it must answer now) and trusts its JWKS. */
export async function trustIssuer(issuer: string, audience: string): Promise<TrustedIssuer> {
  const discovery = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(discovery, { headers: { accept: 'application/json' } }).catch(
    (error: unknown) => {
      throw new Error(
        `The OpenID provider ${issuer} does not answer at ${discovery}: ${(error as Error).message}`,
      );
    },
  );
  if (!response.ok)
    throw new Error(`The OpenID provider's discovery ${discovery} answered ${response.status}.`);
  const metadata = (await response.json()) as { issuer?: string; jwks_uri?: string; token_endpoint?: string };
  if (metadata.issuer !== issuer || !metadata.jwks_uri || !metadata.token_endpoint)
    throw new Error(
      `The discovery at ${discovery} must name issuer ${issuer}, a jwks_uri and a token_endpoint.`,
    );
  return {
    issuer,
    audience,
    origins: [...new Set([new URL(issuer).origin, new URL(metadata.token_endpoint).origin])],
    keys: createRemoteJWKSet(new URL(metadata.jwks_uri)),
  };
}

/** Verifies like API Gateway's JWT authorizer; undefined means "401 Unauthorized". */
export async function verifyToken(
  keys: LocalKeys,
  token: string,
  trusted?: TrustedIssuer,
): Promise<JWTPayload | undefined> {
  try {
    if (trusted && decodeJwt(token).iss === trusted.issuer) {
      // API Gateway's JWT authorizer takes RSA signatures from an external issuer.
      const { payload } = await jwtVerify(token, trusted.keys, {
        issuer: trusted.issuer,
        audience: trusted.audience,
        algorithms: ['RS256'],
      });
      return payload;
    }
    const { payload } = await jwtVerify(token, keys.publicKey, {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      algorithms: ['ES256'],
    });
    return payload;
  } catch {
    return undefined;
  }
}
