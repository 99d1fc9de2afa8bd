/**
 * Keeping an account's status true on every Apple answer (token-guard.ts) and the daily token-health
 * check (check-token-health.ts): token errors, another MDM's mdmInfo and Apple's expiry date move the
 * status; the contact hears once; a blocked account makes no write to Apple; expiry warnings go once
 * per threshold.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { checkTokenHealth } from '../../../../shared/application/accounts/check-token-health.ts';
import { observeApple, withAccountToken } from '../../../../shared/application/accounts/token-guard.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { RuleViolationError } from '../../../../shared/domain/errors.ts';
import {
  appleRefusal,
  type FakeDeps,
  fakeDeps,
  MemoryAccountRepository,
} from '../../../support/fakes/index.ts';
import { givenAccount } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  // Expires 40 days after the fake clock's start.
  account = await givenAccount(deps, { tokenExpiresAt: '2026-04-11T09:00:00.000Z' });
});

describe('observeApple', () => {
  it.each([
    [9625, 'revoked'],
    [9621, 'expired'],
    [9622, 'invalid'],
  ] as const)(
    'turns an account whose token Apple refuses (%i) %s, audits it and tells the contact once',
    async (n, status) => {
      const after = await observeApple(deps, account, { error: appleRefusal(n) });
      expect(after.status).toBe(status);
      expect(await deps.accounts.get(account.id)).toMatchObject({ status, statusAlerted: status });
      expect(deps.audit.actions('account.status_changed')[0]?.details).toEqual({
        from: 'active',
        to: status,
      });
      expect(deps.mailer.to(account.email)).toHaveLength(1);
      await observeApple(deps, after, { error: appleRefusal(n) });
      expect(deps.mailer.outbox).toHaveLength(1);
    },
  );

  it("notices another MDM's mdmInfo in an answer and names it", async () => {
    const after = await observeApple(deps, account, {
      meta: { mdmInfo: { id: 'other', name: 'Other MDM', metadata: '' } },
    });
    expect(after).toMatchObject({ status: 'claimed-elsewhere', claimedBy: 'Other MDM' });
    expect(deps.mailer.outbox[0]?.text).toContain('Other MDM');
  });

  it("takes Apple's new expiry date, and writes nothing when nothing changed", async () => {
    const same = await observeApple(deps, account, { meta: {} });
    expect(same).toBe(account);
    expect((await deps.accounts.get(account.id))?.version).toBe(0);
    const after = await observeApple(deps, account, {
      meta: { tokenExpirationDate: '2026-03-20T09:00:00+0000' },
    });
    expect(after).toMatchObject({ tokenExpiresAt: '2026-03-20T09:00:00.000Z', status: 'expiring' });
    expect(deps.mailer.outbox).toEqual([]);
  });

  it('applies the same facts to an account someone changed meanwhile', async () => {
    const stale = account;
    const read = (await deps.accounts.get(account.id)) as Account;
    await deps.accounts.update({ ...read, name: 'Renamed meanwhile' }, read);
    await observeApple(deps, stale, { error: appleRefusal(9625) });
    expect(await deps.accounts.get(account.id)).toMatchObject({
      name: 'Renamed meanwhile',
      status: 'revoked',
    });
  });
});

describe('withAccountToken', () => {
  it('hands the call the stored token', async () => {
    expect(await withAccountToken(deps, account, 'write', async (token) => token.reveal())).toBe(
      'token-of-account-1',
    );
  });

  it.each(['revoked', 'claimed-elsewhere', 'invalid'] as const)(
    'refuses every write while the account is %s, but reads',
    async (status) => {
      const blocked = { ...account, status };
      let called = false;
      const write = withAccountToken(deps, blocked, 'write', async () => {
        called = true;
      });
      await expect(write).rejects.toBeInstanceOf(RuleViolationError);
      await expect(write).rejects.toMatchObject({ code: `account.${status.replace('-', '_')}` });
      expect(called).toBe(false);
      await expect(withAccountToken(deps, blocked, 'read', async () => 'read')).resolves.toBe('read');
    },
  );

  it('updates the account when Apple refuses the token, then passes the error on', async () => {
    const call = withAccountToken(deps, account, 'read', async () => {
      throw appleRefusal(9625);
    });
    await expect(call).rejects.toMatchObject({ kind: 'token_revoked' });
    expect((await deps.accounts.get(account.id))?.status).toBe('revoked');
  });

  it('refuses when the token is missing from the secret store', async () => {
    await deps.secrets.remove('accounts/account-1/token');
    await expect(withAccountToken(deps, account, 'read', async () => 1)).rejects.toMatchObject({
      code: 'account.token_missing',
    });
  });
});

describe('checkTokenHealth', () => {
  it('sends nothing with 40 days left, and warns at 30, 14, 7, 3 and 1 days, each once', async () => {
    // Prepare: Apple answers the config with no news
    deps.vpp.clientConfig = { uId: account.location.uId };
    expect(await checkTokenHealth(deps)).toMatchObject({ checked: 1, alertsSent: 0, statusChanges: 0 });
    const sent: number[] = [];
    for (const daysLeft of [30, 29, 14, 7, 6, 3, 1]) {
      deps.clock.set(new Date(Date.parse(account.tokenExpiresAt) - daysLeft * 86_400_000));
      const before = deps.mailer.outbox.length;
      await checkTokenHealth(deps);
      if (deps.mailer.outbox.length > before) sent.push(daysLeft);
    }
    expect(sent).toEqual([30, 14, 7, 3, 1]);
    expect(await deps.accounts.get(account.id)).toMatchObject({
      status: 'expiring',
      expiryAlertsSent: [30, 14, 7, 3, 1],
    });
    expect(deps.audit.actions('account.expiry_alert_sent')).toHaveLength(5);
  });

  it('marks thresholds passed while nobody looked, and warns once, with the days actually left', async () => {
    deps.clock.set(new Date(Date.parse(account.tokenExpiresAt) - 12 * 86_400_000));
    await checkTokenHealth(deps);
    expect(deps.mailer.outbox).toHaveLength(1);
    expect(deps.mailer.outbox[0]?.subject).toContain('in 12 days');
    expect((await deps.accounts.get(account.id))?.expiryAlertsSent).toEqual([30, 14]);
  });

  it('turns expired when the day passes and tells the contact once; a revoked token too', async () => {
    deps.clock.set('2026-04-12T09:00:00.000Z');
    deps.vpp.fail('getClientConfig', appleRefusal(9621), 2);
    expect(await checkTokenHealth(deps)).toMatchObject({ statusChanges: 1 });
    await checkTokenHealth(deps);
    expect((await deps.accounts.get(account.id))?.status).toBe('expired');
    expect(deps.mailer.outbox.filter((m) => m.subject.includes('expired'))).toHaveLength(1);
  });

  it('goes on with the other accounts when one fails', async () => {
    await givenAccount(deps, { id: 'account-2', tokenExpiresAt: '2026-03-20T09:00:00.000Z' });
    deps.vpp.fail('getClientConfig', new Error('socket hang up'));
    const report = await checkTokenHealth(deps);
    expect(report.checked).toBe(2);
    expect(report.errors).toEqual([{ accountId: 'account-1', reason: 'socket hang up' }]);
    expect(deps.mailer.outbox.map((m) => m.subject)).toEqual([expect.stringContaining('in 18 days')]);
  });

  it('checks again when the account changed under it, and sends the warning once', async () => {
    // A repository where the first update of the check conflicts (someone renamed the account at that moment).
    class Busy extends MemoryAccountRepository {
      conflicted = false;
      override async update(next: Account, read: Account) {
        if (!this.conflicted && next.expiryAlertsSent.length > read.expiryAlertsSent.length) {
          this.conflicted = true;
          const fresh = (await this.get(read.id)) as Account;
          await super.update({ ...fresh, name: 'Renamed' }, fresh);
        }
        return super.update(next, read);
      }
    }
    deps = fakeDeps({ accounts: new Busy() });
    account = await givenAccount(deps, { tokenExpiresAt: '2026-03-20T09:00:00.000Z' });
    const report = await checkTokenHealth(deps);
    expect(report).toMatchObject({ alertsSent: 1, errors: [] });
    expect(deps.mailer.outbox).toHaveLength(1);
    expect(await deps.accounts.get(account.id)).toMatchObject({ name: 'Renamed', expiryAlertsSent: [30] });
  });
});
