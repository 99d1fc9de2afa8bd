/**
 * Token health (SPEC §5.2) with the clock moved and with the simulator expiring, revoking and claiming
 * tokens: statuses kept true, e-mails at 30, 14, 7, 3 and 1 days (each once), alerts at once, writes
 * only on change, and no writes to Apple from a blocked account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenSecretName, withAccountToken } from '../../shared/application/accounts/token-guard.ts';
import type { Clock } from '../../shared/application/ports/clock.ts';
import { encodeContentToken } from '../../shared/domain/content-token.ts';
import { Secret } from '../../shared/domain/secret.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const DAY = 86_400_000;
let now = new Date('2026-11-26T08:00:00Z');
const clock: Clock = { now: () => now };
let rt: TestRuntime;
let accountId: string;

async function account() {
  return (await rt.call('GET', `/v1/accounts/${accountId}`)).body;
}
async function expiryMails() {
  return (await rt.outbox()).filter((m) => /expires/.test(m.subject));
}
async function auditIds() {
  return new Set((await rt.deps.audit.list('demo', { limit: 1000 })).items.map((e) => e.id));
}
/** The alerts about one account whose subject matches. */
async function alerts(name: string, subject: RegExp) {
  return (await rt.outbox()).filter((m) => m.subject.includes(`${name}:`) && subject.test(m.subject));
}
/** Tries a write to Apple (an associate) through the token guard; resolves with Apple's calls made. */
async function tryWrite(id: string) {
  rt.simulator.resetCalls();
  const account = await rt.deps.accounts.get(id);
  const outcome = withAccountToken(rt.deps, account ?? (undefined as never), 'write', (t) =>
    rt.deps.vpp.associateAssets(t, {
      assets: [{ adamId: '361309726', pricingParam: 'STDQ' }],
      serialNumbers: ['C02HEALTH0001'],
    }),
  ).then(
    () => 'written',
    (error: { code?: string }) => error.code,
  );
  return { outcome: await outcome, appleWrites: rt.simulator.calls()['POST assets/associate'] ?? 0 };
}

beforeAll(async () => {
  rt = await startTestRuntime({ overrides: { clock }, simulator: { now: () => now } });
  // A token that expires in 40 days.
  const token = rt.simulator.issueToken('demo-south', { expiresAt: new Date(now.getTime() + 40 * DAY) });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'South', email: 'contact@demo.test', token },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
});
afterAll(async () => {
  await rt?.stop();
});

describe('expiry warnings', () => {
  it('is active with 40 days left and sends nothing', async () => {
    await rt.fireSchedule('token-health');
    expect((await account()).status).toBe('active');
    expect(await expiryMails()).toHaveLength(0);
  });

  it('warns at 30, 14, 7, 3 and 1 days left, each once, and turns expiring at 30 days', async () => {
    const sent: string[] = [];
    const seen = new Set<string>();
    const statuses: string[] = [];
    for (const daysLeft of [31, 30, 29, 20, 14, 14, 8, 7, 5, 3, 2, 1, 1]) {
      now = new Date(new Date((await account()).tokenExpiresAt).getTime() - daysLeft * DAY + 60_000);
      await rt.fireSchedule('token-health');
      statuses.push(`${daysLeft}: ${(await account()).status}`);
      for (const mail of await expiryMails()) {
        if (seen.has(mail.messageId)) continue;
        seen.add(mail.messageId);
        sent.push(`${daysLeft}: ${mail.subject}`);
      }
    }
    expect(sent).toEqual([
      expect.stringMatching(/^30: .*in 30 days/),
      expect.stringMatching(/^14: .*in 14 days/),
      expect.stringMatching(/^7: .*in 7 days/),
      expect.stringMatching(/^3: .*in 3 days/),
      expect.stringMatching(/^1: .*within a day/),
    ]);
    expect((await expiryMails()).every((m) => m.destination.to.includes('contact@demo.test'))).toBe(true);
    // Expiring from the day the 30 days start, not before.
    expect(statuses.slice(0, 3)).toEqual(['31: active', '30: expiring', '29: expiring']);
    expect(statuses.slice(3).every((s) => s.endsWith('expiring'))).toBe(true);
  });

  it('writes nothing when nothing changed', async () => {
    const before = await rt.deps.accounts.get(accountId);
    const audit = (await rt.deps.audit.list('demo', { limit: 100 })).items.length;
    await rt.fireSchedule('token-health');
    expect((await rt.deps.accounts.get(accountId))?.updatedAt).toBe(before?.updatedAt);
    expect((await rt.deps.audit.list('demo', { limit: 100 })).items).toHaveLength(audit);
  });

  it('turns expired when the day passes, and tells the contact at once, once', async () => {
    now = new Date(new Date((await account()).tokenExpiresAt).getTime() + 60_000);
    await rt.fireSchedule('token-health');
    await rt.fireSchedule('token-health');
    expect((await account()).status).toBe('expired');
    const expired = (await rt.outbox()).filter((m) => /token expired/.test(m.subject));
    expect(expired).toHaveLength(1);
    const audit = await rt.deps.audit.list('demo', { limit: 20 });
    expect(audit.items.find((e) => e.action === 'account.status_changed')).toMatchObject({
      actor: { type: 'schedule', id: 'token-health' },
      details: { to: 'expired' },
    });
  });
});

describe('revoked and claimed tokens', () => {
  let northId: string;
  beforeAll(async () => {
    now = new Date('2026-11-27T08:00:00Z');
    const created = await rt.call('POST', '/v1/accounts', {
      body: { name: 'North', email: 'north@demo.test', token: rt.tokenFile('demo-north') },
    });
    northId = created.body.id;
  });

  it('notices a token Apple revoked, alerts at once, and makes no more writes to Apple', async () => {
    const token = (await rt.deps.secrets.get(`accounts/${northId}/token`))?.reveal() ?? '';
    rt.simulator.revokeToken(token);
    await rt.fireSchedule('token-health');
    const north = (await rt.call('GET', `/v1/accounts/${northId}`)).body;
    expect(north.status).toBe('revoked');
    expect(
      (await rt.outbox()).filter((m) => m.subject.includes('North') && /revoked/.test(m.subject)),
    ).toHaveLength(1);

    expect(await tryWrite(northId)).toEqual({ outcome: 'account.revoked', appleWrites: 0 });
  });

  it('notices another MDM on the next Apple answer, names it, and alerts once', async () => {
    const renewed = await rt.call('PUT', `/v1/accounts/${northId}/token`, {
      body: { token: rt.simulator.issueToken('demo-north') },
    });
    expect(renewed.body.status).toBe('active');
    rt.simulator.claimByOtherMdm('demo-north', { id: 'intune-1', name: 'Microsoft Intune', metadata: '' });
    const sync = await rt.call('POST', `/v1/accounts/${northId}/sync`);
    expect(sync.status).toBe(202);
    const claimed = await eventually(
      async () => {
        const body = (await rt.call('GET', `/v1/accounts/${northId}`)).body;
        return body.status === 'claimed-elsewhere' ? body : undefined;
      },
      20_000,
      'the claim to be noticed',
    );
    expect(claimed.claimedBy).toBe('Microsoft Intune');
    await rt.fireSchedule('token-health');
    const alerts = (await rt.outbox()).filter(
      (m) => m.subject.includes('North') && /another MDM/.test(m.subject),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.body.text).toContain('Microsoft Intune');
  });

  it('makes no writes to Apple while claimed, until an admin re-claims it with takeOver', async () => {
    expect((await rt.call('GET', `/v1/accounts/${northId}`)).body.status).toBe('claimed-elsewhere');
    expect(await tryWrite(northId)).toEqual({ outcome: 'account.claimed_elsewhere', appleWrites: 0 });
    // Neither the schedule nor a sync writes to Apple meanwhile: the other MDM keeps the location.
    rt.simulator.resetCalls();
    await rt.fireSchedule('token-health');
    const sync = await rt.call('POST', `/v1/accounts/${northId}/sync`);
    await eventually(
      async () =>
        ['succeeded', 'failed'].includes((await rt.call('GET', `/v1/jobs/${sync.body.job.id}`)).body.state),
      20_000,
      'the sync job to end',
    );
    const writes = Object.entries(rt.simulator.calls()).filter(([k]) => k.startsWith('POST'));
    expect(writes).toEqual([]);
    expect(rt.simulator.snapshot().locations.find((l) => l.id === 'demo-north')?.mdmInfo?.name).toBe(
      'Microsoft Intune',
    );
    expect(await tryWrite(northId)).toEqual({ outcome: 'account.claimed_elsewhere', appleWrites: 0 });

    const taken = await rt.call('PUT', `/v1/accounts/${northId}/token`, {
      body: { token: (await rt.deps.secrets.get(tokenSecretName(northId)))?.reveal(), takeOver: true },
    });
    expect(taken.status).toBe(200);
    expect(taken.body.status).toBe('active');
    expect(await tryWrite(northId)).toEqual({ outcome: 'written', appleWrites: 1 });
  });
});

describe('tokens Apple expires or no longer accepts', () => {
  const southToken = async () => (await rt.deps.secrets.get(tokenSecretName(accountId)))?.reveal() ?? '';
  const renewSouth = async () => {
    const renewed = await rt.call('PUT', `/v1/accounts/${accountId}/token`, {
      body: { token: rt.simulator.issueToken('demo-south') },
    });
    expect(renewed.body.status).toBe('active');
  };

  it('notices a token the simulator expired after the account was added, and alerts once', async () => {
    await renewSouth();
    const before = (await alerts('South', /token expired/)).length;
    const auditBefore = await auditIds();
    rt.simulator.expireToken(await southToken());
    await rt.fireSchedule('token-health');
    await rt.fireSchedule('token-health');
    expect((await account()).status).toBe('expired');
    const sent = (await alerts('South', /token expired/)).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.destination.to).toEqual(['contact@demo.test']);
    // One status change, written once (the clock went back in this file, so `at` does not order them).
    const changes = (await rt.deps.audit.list('demo', { limit: 1000 })).items.filter(
      (e) => !auditBefore.has(e.id) && e.action === 'account.status_changed',
    );
    expect(changes).toEqual([
      expect.objectContaining({
        target: `account:${accountId}`,
        actor: { type: 'schedule', id: 'token-health' },
        details: { from: 'active', to: 'expired' },
      }),
    ]);
  });

  it('turns invalid when Apple no longer knows the token (9622), alerts once, and writes nothing to Apple', async () => {
    await renewSouth();
    // The account now holds a token Apple never issued.
    const unknown = encodeContentToken({
      token: 'never-issued',
      expiresAt: new Date(now.getTime() + 100 * DAY),
      orgName: 'Demo School District',
    });
    await rt.deps.secrets.put(tokenSecretName(accountId), new Secret(unknown));
    await rt.fireSchedule('token-health');
    await rt.fireSchedule('token-health');
    expect((await account()).status).toBe('invalid');
    const sent = await alerts('South', /not accepted/);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.text).toContain('no longer accepts');
    expect(await tryWrite(accountId)).toEqual({ outcome: 'account.invalid', appleWrites: 0 });
  });
});
