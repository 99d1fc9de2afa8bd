/**
 * Content tokens as people paste them (issue 12): a `.vpptoken` wrapped at 76 columns, with CRLF,
 * spaces, tabs, a BOM or a trailing newline is accepted by `POST /v1/accounts` and
 * `PUT /v1/accounts/{id}/token`, stored compact, and sent compact to Apple, so the account works
 * afterwards. What is still not a token is 400 `token.malformed`, with no Apple call at all.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;

/** The ways a copy and paste spoils a token file, each applied to a compact token. */
const PASTED_FORMS: readonly [string, (compact: string) => string][] = [
  ['wrapped at 76 columns with LF', (t) => wrap(t).join('\n')],
  ['wrapped at 76 columns with CRLF', (t) => wrap(t).join('\r\n')],
  ['split by spaces', (t) => ` ${t.slice(0, 30)} ${t.slice(30, 100)}  ${t.slice(100)} `],
  ['split by tabs', (t) => `\t${t.slice(0, 50)}\t${t.slice(50)}\t`],
  ['led by a BOM', (t) => `\uFEFF${t}`],
  ['with a BOM inside', (t) => `${t.slice(0, 60)}\uFEFF${t.slice(60)}`],
  ['wrapped, with a trailing newline', (t) => `${wrap(t).join('\n')}\n`],
];

function wrap(token: string): string[] {
  const lines = token.match(/.{1,76}/g) ?? [];
  // The forms above mean something only for a token longer than one line.
  expect(lines.length).toBeGreaterThan(1);
  return lines;
}

async function removeAll() {
  for (const account of await rt.deps.accounts.listByOrg('demo')) {
    await rt.call('DELETE', `/v1/accounts/${account.id}`);
  }
}

/** The content token the service keeps for an account. */
async function storedToken(accountId: string): Promise<string | undefined> {
  return (await rt.deps.secrets.get(`accounts/${accountId}/token`))?.reveal();
}

/** A sync that ends well: the service reached Apple with the stored token. */
async function syncSucceeds(accountId: string) {
  const sync = await rt.call('POST', `/v1/accounts/${accountId}/sync`);
  expect(sync.status).toBe(202);
  expect((await jobEnded(rt, sync.body.job.id)).state).toBe('succeeded');
}

/** How often the token was sent to Apple's `client/config`, which adding and renewing call first. */
function clientConfigCalls(): number {
  const calls = rt.simulator.calls();
  return (calls['GET client/config'] ?? 0) + (calls['POST client/config'] ?? 0);
}

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

describe('adding an account with a pasted token', () => {
  beforeEach(removeAll);

  it.each(PASTED_FORMS)('accepts a token %s, keeps it compact and works with it', async (_name, paste) => {
    // Prepare
    const compact = rt.simulator.issueToken('demo-north');
    // Act
    const created = await rt.call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'it@demo.test', token: paste(compact) },
    });
    // Assess: created, stored compact, and Apple (which knows only the compact text) answers a sync
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await storedToken(created.body.id)).toBe(compact);
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.mdmInfo?.id).toBe(
      `vpp-manager:local:${created.body.id}`,
    );
    await syncSucceeds(created.body.id);
  });

  it('refuses a token that is still malformed once its spacing is gone: 400, no Apple call', async () => {
    // Prepare: a wrapped token with a character base64 never has
    const lines = wrap(rt.simulator.issueToken('demo-north'));
    const spoilt = [lines[0], `${lines[1]}!`, ...lines.slice(2)].join('\r\n');
    rt.simulator.resetCalls();
    // Act
    const answer = await rt.call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'it@demo.test', token: spoilt },
    });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('token.malformed');
    expect(JSON.stringify(answer.body)).not.toContain(lines[0]);
    expect(clientConfigCalls()).toBe(0);
    expect(await rt.deps.accounts.listByOrg('demo')).toEqual([]);
  });
});

describe('renewing a token with a pasted one', () => {
  let id: string;
  beforeAll(async () => {
    await removeAll();
    const created = await rt.call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'it@demo.test', token: rt.simulator.issueToken('demo-north') },
    });
    expect(created.status).toBe(201);
    id = created.body.id;
  });

  it.each(PASTED_FORMS)('accepts a token %s, keeps it compact and works with it', async (_name, paste) => {
    // Prepare: the current token stops working at Apple, so only the new one can serve the sync
    const old = (await storedToken(id)) ?? '';
    const compact = rt.simulator.issueToken('demo-north');
    // Act
    const renewed = await rt.call('PUT', `/v1/accounts/${id}/token`, { body: { token: paste(compact) } });
    rt.simulator.revokeToken(old);
    // Assess
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.status).toBe('active');
    expect(await storedToken(id)).toBe(compact);
    await syncSucceeds(id);
  });

  it('refuses a token that is still malformed once its spacing is gone: 400, no Apple call', async () => {
    // Prepare
    const before = await storedToken(id);
    const lines = wrap(rt.simulator.issueToken('demo-north'));
    const spoilt = `${lines.join('\n').slice(0, -3)}%%%\n`;
    rt.simulator.resetCalls();
    // Act
    const answer = await rt.call('PUT', `/v1/accounts/${id}/token`, { body: { token: spoilt } });
    // Assess: refused, the old token kept, Apple never asked
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('token.malformed');
    expect(clientConfigCalls()).toBe(0);
    expect(await storedToken(id)).toBe(before);
  });
});
