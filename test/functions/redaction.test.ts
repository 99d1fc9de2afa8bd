/**
 * The logging path's one redaction step (issue 12): `redact` masks every registered secret whole and
 * in 20-character pieces, bearer and Authorization values, JWTs and base64 JSON, and leaves ordinary
 * identifiers alone; the registry stays bounded; the service's logger runs it on every string of a
 * line, an Error's message, stack and nested causes included.
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { logger } from '../../functions/lib/powertools.ts';
import { REDACTED, redact, redactingJsonReplacer } from '../../functions/lib/redaction.ts';
import { encodeContentToken } from '../../shared/domain/content-token.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { SecretRegistry } from '../../shared/domain/secret-registry.ts';
import { leaks } from '../support/leaks.ts';

/** A token as `randomToken(32)` makes one; never with `eyJ` in it, which a shape rule would mask too. */
const randomToken = (): string => {
  const token = randomBytes(32).toString('base64url');
  return token.includes('eyJ') ? randomToken() : token;
};
const contentToken = () =>
  encodeContentToken({
    token: `inner-${randomToken()}`,
    expiresAt: new Date('2030-01-01T00:00:00Z'),
    orgName: 'Redaction School',
  });
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = () =>
  `${b64url({ alg: 'RS256', kid: 'k1' })}.${b64url({ sub: 'u1', org: 'demo', exp: 2_000_000_000 })}.${randomToken()}`;

describe('redact: secrets the process knows', () => {
  it.each([
    ['a content token', contentToken()],
    ['a notification secret', randomToken()],
    ['an invitation token', randomToken()],
  ])('masks %s whole, in the middle of any text', (_kind, value) => {
    // Prepare
    const secrets = new SecretRegistry();
    secrets.register(value);
    // Act
    const text = redact(`before ${value} after, and again:${value}.`, secrets);
    // Assess
    expect(text).toBe(`before ${REDACTED} after, and again:${REDACTED}.`);
  });

  it('masks every piece of 20 characters or more: truncated, cut in two, wrapped', () => {
    // Prepare: a secret with no shape rule to catch it (not base64 of JSON, no bearer)
    const value = randomToken();
    const secrets = new SecretRegistry();
    secrets.register(value);
    const texts = [
      `truncated: ${value.slice(0, 20)}…`,
      `the end: ${value.slice(-21)}`,
      `cut in two: ${value.slice(0, 21)} and ${value.slice(21)}`,
      `wrapped:\n${value.slice(0, 22)}\r\n${value.slice(22)}\n`,
      `inside another word: xx${value.slice(5, 30)}yy`,
    ];
    // Act and assess: no piece of 20 characters survives
    for (const text of texts) {
      const masked = redact(text, secrets);
      expect(masked).toContain(REDACTED);
      expect(leaks(masked, { value })).toEqual([]);
    }
    // A piece shorter than 20 characters is not a piece of the secret as far as the scan goes.
    expect(redact(`short: ${value.slice(0, 19)}`, secrets)).toBe(`short: ${value.slice(0, 19)}`);
  });

  it('masks a registered value shorter than a piece whole, and ignores values too short to tell', () => {
    const secrets = new SecretRegistry();
    secrets.register('s3cr3t-v4lue');
    secrets.register('abc');
    expect(redact('got s3cr3t-v4lue and abc', secrets)).toBe(`got ${REDACTED} and abc`);
  });

  it('knows every Secret the process makes (the default registry)', () => {
    const value = randomToken();
    new Secret(value);
    expect(redact(`quoted: "${value}"`)).toBe(`quoted: "${REDACTED}"`);
  });

  it('stays bounded: the oldest value is forgotten first, a value seen again stays', () => {
    // Prepare
    const secrets = new SecretRegistry({ maxSecrets: 3 });
    const [first, second, third, fourth] = [randomToken(), randomToken(), randomToken(), randomToken()];
    secrets.register(first);
    secrets.register(second);
    secrets.register(third);
    secrets.register(first); // in use again: now the most recent
    // Act
    secrets.register(fourth);
    // Assess: `second` was the oldest
    expect(secrets.size).toBe(3);
    expect(redact(second, secrets)).toBe(second);
    for (const kept of [first, third, fourth]) expect(redact(kept, secrets)).toBe(REDACTED);
  });

  it('stays bounded in characters too, and forgets a value fully (its pieces included)', () => {
    const secrets = new SecretRegistry({ maxCharacters: 100 });
    const values = [randomToken(), randomToken(), randomToken()]; // 43 characters each
    for (const value of values) secrets.register(value);
    expect(secrets.size).toBe(2);
    expect(redact(values[0]?.slice(3, 30) ?? '', secrets)).toBe(values[0]?.slice(3, 30));
    expect(redact(values[2]?.slice(3, 30) ?? '', secrets)).toBe(REDACTED);
  });

  it('keeps a piece two values share until both are forgotten', () => {
    const shared = randomToken().slice(0, 25);
    const [a, b] = [`${shared}-a-${randomToken()}`, `${shared}-b-${randomToken()}`];
    const secrets = new SecretRegistry({ maxSecrets: 2 });
    secrets.register(a);
    secrets.register(b);
    secrets.register(randomToken()); // forgets a
    expect(redact(shared, secrets)).toBe(REDACTED);
  });
});

describe('redact: what secrets look like', () => {
  const nothing = new SecretRegistry();

  it.each([
    ['a bearer value', 'Authorization: Bearer abc.def-123', 'abc.def-123'],
    ['a lower-case bearer, quoted', 'header "bearer q1w2e3r4t5"', 'q1w2e3r4t5'],
    ['a bearer across a line break', `Bearer ${'QUJD'.repeat(5)}\n`, 'QUJD'.repeat(5)],
    ['an Authorization value of another scheme', '{"authorization":"Basic dXNlcjpwYXNz"}', 'dXNlcjpwYXNz'],
    ['a JWT', `token ${jwt()} refused`, '.'],
    ['a content token the process never held', `file: ${contentToken()}`, 'eyJ'],
    ['base64 of any JSON', `cursor=${Buffer.from('{"after":"a@b.test"}').toString('base64')}`, 'eyJ'],
  ])('masks %s', (_kind, text, secretPart) => {
    const masked = redact(text, nothing);
    expect(masked).toContain(REDACTED);
    expect(masked).not.toContain(secretPart === '.' ? 'eyJ' : secretPart);
  });

  it('masks the whole of a JWT, its signature included', () => {
    const token = jwt();
    expect(redact(`Authorization=${token}`, nothing)).toBe(`Authorization=${REDACTED}`);
    expect(redact(`jwt ${token}.`, nothing)).toBe(`jwt ${REDACTED}.`);
  });

  it('leaves ordinary identifiers and text alone', () => {
    const ordinary = [
      '9b2f0c9e-4a53-4d6c-9a43-6f0e2b7c1d5e',
      '2026-11-26T12:00:00.000Z',
      '2030-11-08T22:33:22+0000',
      'adamId 361309726 pricingParam STDQ',
      'PUT /v1/accounts/{accountId}/token',
      'POST /apple/notifications/{accountId}',
      'vpp-manager:local:9b2f0c9e-4a53-4d6c-9a43-6f0e2b7c1d5e',
      'accounts/9b2f0c9e-4a53-4d6c-9a43-6f0e2b7c1d5e/notification-secret',
      'The content token has expired: upload a new one (PUT .../token).',
      'file:///work/main/functions/lib/http.ts:313:40',
      '1-5759e988-bd862e3fe1be46a994272793',
    ];
    const secrets = new SecretRegistry();
    secrets.register(randomToken());
    for (const text of ordinary) expect(redact(text, secrets)).toBe(text);
  });

  it('is idempotent', () => {
    const secrets = new SecretRegistry();
    const value = randomToken();
    secrets.register(value);
    const once = redact(`Bearer ${jwt()} ${value} ${contentToken()}`, secrets);
    expect(redact(once, secrets)).toBe(once);
  });
});

describe("the service's logger", () => {
  /** Everything a logger prints during `act`: dev mode prints through the console, otherwise stdout. */
  function printed(log: Logger, act: () => void): string {
    const lines: string[] = [];
    const keep = (...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      return true;
    };
    const spies = [
      ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation(keep),
      ),
      vi.spyOn(process.stdout, 'write').mockImplementation(keep),
      vi.spyOn(process.stderr, 'write').mockImplementation(keep),
    ];
    const level = log.getLevelName();
    log.setLogLevel('DEBUG');
    try {
      act();
    } finally {
      log.setLogLevel(level);
      for (const spy of spies) spy.mockRestore();
    }
    return lines.join('\n');
  }

  /** A registered token, wrapped as pasted, quoted by fetch's own refusal (the leak of issue 12). */
  function failureWithSecrets() {
    const token = contentToken();
    new Secret(token);
    const wrapped = (token.match(/.{1,76}/g) ?? []).join('\r\n');
    let refusal: unknown;
    try {
      new Headers({ Authorization: `Bearer ${wrapped}` });
    } catch (error) {
      refusal = error;
    }
    expect(String(refusal)).toContain(token.slice(0, 40));
    const notificationSecret = randomToken();
    new Secret(notificationSecret);
    const authorization = `Bearer ${jwt()}`;
    const middle = new Error(`middle: Authorization ${authorization}`, { cause: refusal });
    const error = new Error(`outer with ${notificationSecret}`, { cause: middle });
    error.stack = `${error.stack}\n    at header (${token.slice(10, 60)})`;
    const secrets = {
      token,
      notificationSecret,
      authorization: authorization.slice('Bearer '.length),
      opaque: 'opaque-value-no-rule-would-know',
    };
    return { error, authorization, secrets };
  }

  it.each([
    ['the service logger (dev mode: stacks as lines)', () => logger],
    [
      'a logger built the same way outside dev mode (stacks as one string)',
      () => {
        vi.stubEnv('POWERTOOLS_DEV', '');
        try {
          return new Logger({ serviceName: 'test', jsonReplacerFn: redactingJsonReplacer });
        } finally {
          vi.unstubAllEnvs();
        }
      },
    ],
  ])("redacts an Error's message, stack and nested causes, and credential keys: %s", (_name, make) => {
    // Prepare
    const { error, authorization, secrets } = failureWithSecrets();
    const log = make();
    // Act
    const line = printed(log, () =>
      log.error('request failed', {
        error,
        authorization: secrets.opaque,
        detail: { cause: { header: authorization } },
      }),
    );
    // Assess: the line is there with the error's structure, and no secret in any piece
    expect(line).toContain('request failed');
    expect(line).toContain('middle: Authorization');
    expect(line).toContain('is an invalid header value');
    expect(line).toContain(REDACTED);
    expect(leaks(line, secrets)).toEqual([]);
  });
});
