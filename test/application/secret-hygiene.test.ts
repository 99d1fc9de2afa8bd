/**
 * A whole account scenario with every log line captured (debug level), proving that no content token,
 * no notification secret, no redemption code and no code key appears in any log line, API answer, audit entry or e-mail (SPEC §5.8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRuntime } from '../support/runtime.ts';

const captured: string[] = [];
const originals = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
};
let rt: TestRuntime;

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
  const { startTestRuntime } = await import('../support/runtime.ts');
  rt = await startTestRuntime({ log: (line) => captured.push(line) });
});

afterAll(async () => {
  await rt?.stop();
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

describe('secret hygiene', () => {
  it('never lets a content token or notification secret out', async () => {
    const answers: string[] = [];
    const call = async (...args: Parameters<TestRuntime['call']>) => {
      const answer = await rt.call(...args);
      answers.push(JSON.stringify(answer.body), JSON.stringify([...answer.headers.entries()]));
      return answer;
    };
    const { eventually } = await import('../support/runtime.ts');

    // Prepare: two tokens of one location (the second renews the first), one of another.
    const first = rt.tokenFile('demo-north');
    const second = rt.simulator.issueToken('demo-north');
    const other = rt.tokenFile('demo-south');

    // Act: add, read, change, sync, renew, a refused renewal, notifications good and bad, health, remove.
    const created = await call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'it@demo.test', token: first },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const secret = (await rt.deps.secrets.get(`accounts/${id}/notification-secret`))?.reveal() ?? '';
    expect(secret).not.toBe('');
    await call('GET', `/v1/accounts/${id}`);
    await call('GET', '/v1/accounts');
    await call('PATCH', `/v1/accounts/${id}`, { body: { name: 'North Campus' } });
    const sync = await call('POST', `/v1/accounts/${id}/sync`);
    await eventually(
      async () => (await call('GET', `/v1/jobs/${sync.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'sync',
    );
    // Redemption codes: imported (as CSV), then only ever sealed; no answer, log or audit entry has one.
    const codes = ['HYG1ENE0CODE', 'HYG1ENE0CODF'];
    const [asset] = await rt.deps.assets.listByAccount(id);
    const imported = await call(
      'POST',
      `/v1/accounts/${id}/assets/${asset?.adamId}/redemption-codes/imports`,
      {
        raw: `Order ID,MTHYGIENE\r\nCode,Code Redemption Link\r\n${codes.map((c) => `${c},https://buy.itunes.apple.com/?code=${c}`).join('\r\n')}\r\n`,
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(imported.status).toBe(201);
    const codeKeys = (await rt.deps.secrets.get(`orgs/demo/redemption-code-keys`))?.reveal() ?? '';
    expect(codeKeys).not.toBe('');
    await call('PUT', `/v1/accounts/${id}/token`, { body: { token: other } });
    await call('PUT', `/v1/accounts/${id}/token`, { body: { token: second } });
    await call('POST', '/v1/accounts', { body: { name: 'Dup', email: 'x@demo.test', token: second } });
    await call('POST', '/v1/accounts', {
      body: { name: 'Bad', email: 'x@demo.test', token: `${second.slice(0, 20)}!!` },
    });
    for (const authorization of [`Bearer ${secret}`, `Bearer ${secret}x`, secret]) {
      const response = await fetch(`${rt.apiUrl}/apple/notifications/${id}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          notificationId: crypto.randomUUID(),
          notificationType: 'ASSET_COUNT',
          notification: { adamId: '361309726', pricingParam: 'STDQ', countDelta: 1 },
        }),
      });
      answers.push(await response.text());
    }
    // An invitation: its link token must stay in the e-mail alone.
    const user = await call('POST', `/v1/accounts/${id}/users`, { body: { email: 'pupil@hygiene.test' } });
    const invited = await call('POST', `/v1/accounts/${id}/users/invitations`, {
      body: { userIds: [user.body.id] },
    });
    await eventually(
      async () => (await call('GET', `/v1/jobs/${invited.body.job.id}`)).body.state === 'succeeded',
      20_000,
      'invitation',
    );
    const invitationMail = (await rt.outbox()).find((m) => m.destination.to.includes('pupil@hygiene.test'));
    const invitationToken =
      /\/invitations\/([A-Za-z0-9_-]+)/.exec(invitationMail?.body.text ?? '')?.[1] ?? '';
    expect(invitationToken.length).toBeGreaterThan(20);
    for (const method of ['GET', 'POST', 'GET']) {
      const page = await fetch(`${rt.apiUrl}/invitations/${invitationToken}`, { method, redirect: 'manual' });
      answers.push(await page.text(), JSON.stringify([...page.headers.entries()]));
    }
    // A webhook subscription: its secret is in the answers of creation and rotation only (not kept
    // in `answers`), and in no other answer, log line, audit entry or e-mail.
    const hook = await rt.call('POST', '/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hygiene', eventTypes: ['license.granted'], accountIds: [id] },
    });
    expect(hook.status).toBe(201);
    const hookId = hook.body.id as string;
    await call('GET', '/v1/webhooks');
    await call('GET', `/v1/webhooks/${hookId}`);
    await call('PATCH', `/v1/webhooks/${hookId}`, { body: { enabled: false } });
    const rotated = await rt.call('POST', `/v1/webhooks/${hookId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    await call('POST', `/v1/webhooks/${hookId}/rotate-secret`, {
      as: { org: 'demo', role: 'viewer', email: 'viewer@demo.test' },
    });
    await call('PATCH', `/v1/webhooks/${hookId}`, { body: { url: 'https://10.0.0.1/' } });
    await call('DELETE', `/v1/webhooks/${hookId}`);
    rt.simulator.purchase('demo-north', { adamId: '361309726', pricingParam: 'STDQ' }, 5);
    await rt.simulator.settle();
    rt.simulator.revokeToken(second);
    await rt.fireSchedule('token-health');
    await call('DELETE', `/v1/accounts/${id}`);

    // Assess
    const audit = JSON.stringify((await rt.deps.audit.list('demo', { limit: 1000 })).items);
    // The invitation e-mail carries its link by design; every other mail must not.
    const mail = JSON.stringify(
      (await rt.outbox()).filter((m) => !m.destination.to.includes('pupil@hygiene.test')),
    );
    const logs = captured.join('');
    expect(logs.length).toBeGreaterThan(1000);
    expect(audit).toContain('account.created');
    expect(audit).toContain('webhook.secret_rotated');
    expect(mail).toContain('revoked');
    const inner = (file: string) => JSON.parse(Buffer.from(file, 'base64').toString('utf8')).token as string;
    for (const [what, value] of [
      ['first token', first],
      ['second token', second],
      ['other token', other],
      ['inner token', inner(first)],
      ['notification secret', secret],
      ['invitation token', invitationToken],
      ['webhook secret', hook.body.secret as string],
      ['rotated webhook secret', rotated.body.secret as string],
      ['first redemption code', codes[0] as string],
      ['second redemption code', codes[1] as string],
      ['redemption-code keys', codeKeys],
      ['redemption-code encryption key', JSON.parse(codeKeys).encryption as string],
    ] as const) {
      for (const [where, text] of [
        ['logs', logs],
        ['answers', answers.join('\n')],
        ['audit', audit],
        ['mail', mail],
      ] as const) {
        expect(text.includes(value), `${what} in ${where}`).toBe(false);
      }
    }
  });
});
