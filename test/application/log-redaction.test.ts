/**
 * No secret in any log line, whatever fails (issue 12). Every line is captured at debug level while
 * the failure paths run: a wrapped token added and renewed, Apple down during an add and a renewal,
 * Secrets Manager failing (its errors quoting the secret), a handler whose dependency throws an error
 * carrying a token, the caller's JWT and an invitation token in its message and nested causes,
 * Apple notifications with wrong bearers, a webhook created and rotated and a first redemption-code import while Secrets Manager fails. Then every line is scanned for each secret whole and in
 * every 20-character piece: the logger's one redaction step must have masked them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/engines/net.ts';
import { AppleVppHttpClient } from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import type { SecretStore } from '../../shared/application/ports/secret-store.ts';
import type { ClientConfig } from '../../shared/application/ports/vpp-schemas.ts';
import type { Secret } from '../../shared/domain/secret.ts';
import { leaks } from '../support/leaks.ts';
// Types only: the runtime (and the logger with it) is loaded once the log level is DEBUG.
import type { TestRuntime } from '../support/runtime.ts';

const captured: string[] = [];
const originals = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
};
let rt: TestRuntime;

/** An error as an SDK might raise it: the value it was given in the message and in a nested cause. */
function quotingError(what: string, value: string): Error {
  const service = Object.assign(new Error(`InternalServiceError: could not process ${value}`), {
    $metadata: { httpStatusCode: 500 },
    SecretString: value,
  });
  return new Error(`${what} failed: SecretString "${value}"`, {
    cause: new Error(`request to Secrets Manager failed for ${value.slice(0, 30)}`, { cause: service }),
  });
}

/** A secret store in memory that can be told to fail, quoting the secret in its errors. */
class FailingSecretStore implements SecretStore {
  readonly #values = new Map<string, Secret>();
  failing = false;
  /** The values of the puts it refused (the scan looks for them). */
  readonly refused: string[] = [];

  async put(name: string, value: Secret): Promise<void> {
    if (this.failing) {
      this.refused.push(value.reveal());
      throw quotingError(`PutSecretValue ${name}`, value.reveal());
    }
    this.#values.set(name, value);
  }

  async create(name: string, value: Secret): Promise<boolean> {
    if (this.#values.has(name)) return false;
    await this.put(name, value);
    return true;
  }

  async get(name: string): Promise<Secret | undefined> {
    const value = this.#values.get(name);
    if (this.failing) throw quotingError(`GetSecretValue ${name}`, value?.reveal() ?? name);
    return value;
  }

  async remove(name: string): Promise<void> {
    this.#values.delete(name);
  }
}

/** The real client with short retries, whose `client/config` read can be made to throw anything. */
class ThrowingVppClient extends AppleVppHttpClient {
  throwOnRead: Error | undefined;

  override getClientConfig(token: Secret): Promise<ClientConfig> {
    if (this.throwOnRead) return Promise.reject(this.throwOnRead);
    return super.getClientConfig(token);
  }
}

const store = new FailingSecretStore();
let vpp: ThrowingVppClient;

beforeAll(async () => {
  // Every log line, at the most talkative level, before any handler module is loaded.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  const capture = (chunk: unknown) => {
    captured.push(
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
    );
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  // Powertools prints through the global console in dev mode (and vitest wraps the console).
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[level] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
  }
  // The simulator's port is chosen first, so the client (with retries in milliseconds) can point at it.
  const simPort = await freePort();
  vpp = new ThrowingVppClient({
    baseUrl: `http://127.0.0.1:${simPort}/mdm/v2`,
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxTotalMs: 2_000 },
  });
  const { startTestRuntime } = await import('../support/runtime.ts');
  rt = await startTestRuntime({
    simPort,
    overrides: { vpp, secrets: store },
    log: (line) => captured.push(line),
  });
});

afterAll(async () => {
  await rt?.stop();
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

/** A code in an imported file (codes are shorter than a redaction piece: scanned whole). */
const REDEMPTION_CODE = 'REDACT0CODE9';

const wrapLf = (token: string) => `${(token.match(/.{1,76}/g) ?? []).join('\n')}\n`;
const wrapCrLf = (token: string) => `\uFEFF${(token.match(/.{1,76}/g) ?? []).join('\r\n')}\r\n`;

describe('log redaction', () => {
  it('lets no secret into any log line on any failure path', async () => {
    const { eventually, ORG_ADMIN } = await import('../support/runtime.ts');
    // The caller's JWT, sent explicitly so that its value is known to the scan.
    const jwt = await rt.token(ORG_ADMIN);
    const call = (method: string, path: string, body?: unknown) =>
      rt.call(method, path, { headers: { authorization: `Bearer ${jwt}` }, body });
    const first = rt.simulator.issueToken('demo-north');
    const second = rt.simulator.issueToken('demo-north');
    const third = rt.simulator.issueToken('demo-north');
    const south = rt.simulator.issueToken('demo-south');
    const statuses: Record<string, number> = {};

    // A wrapped token, added and renewed: both accepted now.
    const created = await call('POST', '/v1/accounts', {
      name: 'North',
      email: 'it@demo.test',
      token: wrapLf(first),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    statuses.renewWrapped = (
      await call('PUT', `/v1/accounts/${id}/token`, { token: wrapCrLf(second) })
    ).status;
    const secret = (await store.get(`accounts/${id}/notification-secret`))?.reveal() ?? '';

    // An invitation, so that its link token exists in this process.
    const user = await call('POST', `/v1/accounts/${id}/users`, { email: 'pupil@redaction.test' });
    const invited = await call('POST', `/v1/accounts/${id}/users/invitations`, { userIds: [user.body.id] });
    await eventually(
      async () => (await call('GET', `/v1/jobs/${invited.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'invitation',
    );
    const mail = (await rt.outbox()).find((m) => m.destination.to.includes('pupil@redaction.test'));
    const invitationToken = /\/invitations\/([A-Za-z0-9_-]+)/.exec(mail?.body.text ?? '')?.[1] ?? '';
    expect(invitationToken.length).toBeGreaterThan(20);
    await fetch(`${rt.apiUrl}/invitations/${invitationToken}`);

    // Apple down during an add (every endpoint 503) and during a renewal (the claim's connection drops).
    rt.simulator.setFaults({ rules: [{ kind: 'unavailable' }] });
    statuses.addAppleDown = (
      await call('POST', '/v1/accounts', { name: 'South', email: 'it@demo.test', token: wrapLf(south) })
    ).status;
    rt.simulator.setFaults({ rules: [{ endpoint: 'POST client/config', kind: 'drop_connection' }] });
    statuses.renewAppleDown = (
      await call('PUT', `/v1/accounts/${id}/token`, { token: wrapCrLf(third) })
    ).status;
    rt.simulator.clearFaults();

    // Secrets Manager failing, its errors quoting the secret: an add, a renewal, a notification.
    const hook = { url: 'http://127.0.0.1:9/redaction', eventTypes: ['job.finished'] };
    const webhook = await call('POST', '/v1/webhooks', hook);
    expect(webhook.status).toBe(201);
    const webhookSecret = webhook.body.secret as string;
    store.failing = true;
    statuses.webhookCreateSecretsDown = (await call('POST', '/v1/webhooks', hook)).status;
    statuses.webhookRotateSecretsDown = (
      await call('POST', `/v1/webhooks/${webhook.body.id}/rotate-secret`)
    ).status;
    statuses.addSecretsDown = (
      await call('POST', '/v1/accounts', { name: 'South', email: 'it@demo.test', token: wrapLf(south) })
    ).status;
    statuses.renewSecretsDown = (await call('PUT', `/v1/accounts/${id}/token`, { token: third })).status;
    statuses.notificationSecretsDown = (
      await fetch(`${rt.apiUrl}/apple/notifications/${id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ notificationId: crypto.randomUUID(), notificationType: 'TEST_NOTIFICATION' }),
      })
    ).status;
    // An import of redemption codes while Secrets Manager fails reading the organisation's code keys:
    // a 500, and the file's codes reach no line.
    await rt.deps.assets.saveAppleFacts([
      {
        accountId: id,
        adamId: '361309726',
        pricingParam: 'STDQ',
        productType: 'App',
        name: 'Pages',
        deviceAssignable: true,
        revocable: true,
        supportedPlatforms: ['iOS'],
        unlimited: false,
        totalCount: 10,
        assignedCount: 0,
        availableCount: 10,
        retiredCount: 0,
        pendingCount: 0,
        updatedAt: '2026-03-01T09:00:00.000Z',
      },
    ]);
    statuses.codeImportSecretsDown = (
      await rt.call('POST', `/v1/accounts/${id}/assets/361309726/redemption-codes/imports`, {
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'text/csv' },
        raw: `Order ID,MTREDACT\r\nCode\r\n${REDEMPTION_CODE}\r\n`,
      })
    ).status;
    store.failing = false;

    // A handler whose dependency throws an error carrying every kind of secret, nested causes included.
    vpp.throwOnRead = new Error(`client/config blew up for ${third} (Authorization: Bearer ${jwt})`, {
      cause: new Error(`while sending Authorization ${jwt.slice(0, 60)}`, {
        cause: new Error(`innermost: ${invitationToken} ${secret} ${third.slice(5, 80)}`),
      }),
    });
    statuses.renewThrows = (await call('PUT', `/v1/accounts/${id}/token`, { token: wrapLf(third) })).status;
    vpp.throwOnRead = undefined;

    // Apple notifications with wrong bearers (and the right one, sent twice).
    for (const authorization of [`Bearer ${secret}x`, `Bearer ${jwt}`, secret, `Bearer ${secret}`]) {
      await fetch(`${rt.apiUrl}/apple/notifications/${id}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          notificationId: crypto.randomUUID(),
          notificationType: 'ASSET_COUNT',
          notification: { adamId: '361309726', pricingParam: 'STDQ', countDelta: 1 },
        }),
      });
    }
    await call('DELETE', `/v1/accounts/${id}`);

    // Assess: each failure answered as it should, and was logged, so the scan below means something
    expect(statuses).toEqual({
      renewWrapped: 200,
      addAppleDown: 502,
      renewAppleDown: 502,
      addSecretsDown: 500,
      renewSecretsDown: 500,
      notificationSecretsDown: 500,
      renewThrows: 500,
      webhookCreateSecretsDown: 500,
      webhookRotateSecretsDown: 500,
      codeImportSecretsDown: 500,
    });
    const logs = captured.join('\n');
    const failures = captured.filter((line) => line.includes('request failed'));
    expect(failures.length).toBeGreaterThanOrEqual(6);
    expect(failures.some((line) => line.includes('innermost'))).toBe(true);
    expect(failures.some((line) => line.includes('PutSecretValue'))).toBe(true);
    expect(logs).toContain('[redacted]');

    // Assess: no secret, whole or in any piece of 20 characters, in any line
    const inner = (file: string) => JSON.parse(Buffer.from(file, 'base64').toString('utf8')).token as string;
    const refusedWebhookSecret = store.refused
      .map((value) => /whsec_[A-Za-z0-9+/=]+/.exec(value)?.[0])
      .find((value) => value !== undefined);
    expect(refusedWebhookSecret).toMatch(/^whsec_/);
    expect(
      leaks(logs, {
        'webhook secret': webhookSecret,
        'webhook secret refused by Secrets Manager': refusedWebhookSecret ?? '',
        'first token': first,
        'second token': second,
        'third token': third,
        'south token': south,
        'first inner token': inner(first),
        'third inner token': inner(third),
        'notification secret': secret,
        'invitation token': invitationToken,
        'caller JWT': jwt,
        'redemption code': REDEMPTION_CODE,
      }),
    ).toEqual([]);
  });
});
