/**
 * Token health (SPEC §5.2) with the clock moved and with the simulator expiring, revoking and claiming
 * tokens: statuses kept true, e-mails at 30, 14, 7, 3 and 1 days (each once), alerts at once, writes
 * only on change, and no writes to Apple from a blocked account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../shared/application/ports/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

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
    for (const daysLeft of [30, 29, 20, 14, 14, 8, 7, 5, 3, 2, 1, 1]) {
      now = new Date(new Date((await account()).tokenExpiresAt).getTime() - daysLeft * DAY + 60_000);
      await rt.fireSchedule('token-health');
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
    expect((await account()).status).toBe('expiring');
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

    rt.simulator.resetCalls();
    const account = await rt.deps.accounts.get(northId);
    const { withAccountToken } = await import('../../shared/application/accounts/token-guard.ts');
    await expect(
      withAccountToken(rt.deps, account ?? (undefined as never), 'write', (t) =>
        rt.deps.vpp.associateAssets(t, {
          assets: [{ adamId: '361309726', pricingParam: 'STDQ' }],
          serialNumbers: ['X'],
        }),
      ),
    ).rejects.toMatchObject({ code: 'account.revoked', kind: 'rule' });
    expect(rt.simulator.calls()['POST assets/associate'] ?? 0).toBe(0);
  });

  it('notices another MDM on the next Apple answer, names it, and alerts once', async () => {
    const renewed = await rt.call('PUT', `/v1/accounts/${northId}/token`, {
      body: { token: rt.simulator.issueToken('demo-north') },
    });
    expect(renewed.body.status).toBe('active');
    rt.simulator.claimByOtherMdm('demo-north', { id: 'intune-1', name: 'Microsoft Intune', metadata: '' });
    const sync = await rt.call('POST', `/v1/accounts/${northId}/sync`);
    expect(sync.status).toBe(202);
    const { eventually } = await import('../support/runtime.ts');
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
});
