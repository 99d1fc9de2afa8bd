/**
 * Local mode's stand-in for the JWT issuer: an ES256 key pair kept in `.local/keys/`, tokens signed
 * with it, and the same checks API Gateway's JWT authorizer makes (signature, issuer, audience, expiry).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
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

/** Verifies like API Gateway's JWT authorizer; undefined means "401 Unauthorized". */
export async function verifyToken(keys: LocalKeys, token: string): Promise<JWTPayload | undefined> {
  try {
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
