/**
 * Every e-mail the service sends, rendered through the use case that sends it (the token-health
 * check, the token guard, reconciliation, invitations): each says what is true (the days actually
 * left, the account, asset and person it is about, the real calls and links) and none shows a
 * template placeholder. A last check keeps this list complete: every module of shared/ that sends
 * mail is one of the senders covered here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkTokenHealth } from '../../../shared/application/accounts/check-token-health.ts';
import { observeApple } from '../../../shared/application/accounts/token-guard.ts';
import { reconcileAll } from '../../../shared/application/deployments/reconcile.ts';
import type { EmailMessage } from '../../../shared/application/ports/mailer.ts';
import { requestInvitations, runInvitationJob } from '../../../shared/application/users/invitations.ts';
import { pausedEmail } from '../../../shared/application/webhooks/webhook-deliveries.ts';
import type { Account } from '../../../shared/domain/account.ts';
import { appleRefusal, type FakeDeps, fakeDeps } from '../../support/fakes/index.ts';
import {
  givenAccount,
  givenAsset,
  givenDeployment,
  givenDevices,
  givenUsers,
  must,
  orgAdmin,
} from '../support/world.ts';

const DAY = 86_400_000;
let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps, { id: 'acc-7f3', name: 'North Campus' });
});

/** What a reader sees: the text part, and the HTML's text and its links' addresses. */
function readable(mail: EmailMessage): string[] {
  const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
  const htmlText = mail.html
    .replace(/<[^>]*>/g, ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return [mail.subject, mail.text, htmlText, ...hrefs];
}

const PLACEHOLDERS = [
  /\{[^}]*\}/,
  /\$\{/,
  /\{|\}/,
  /\bundefined\b/,
  /\bnull\b/,
  /\bNaN\b/,
  /\.\.\./,
  /<[a-z]+>/,
];

/** No template placeholder left anywhere a reader looks. */
function expectNoPlaceholder(mail: EmailMessage): void {
  for (const part of readable(mail)) {
    for (const pattern of PLACEHOLDERS) expect(part, `${mail.subject}: ${pattern}`).not.toMatch(pattern);
  }
  expect(mail.to).toMatch(/^[^@\s]+@[^@\s]+$/);
}

describe('the expiry warning', () => {
  it('names the days actually left: 10 days left after missing 30 and 14 says 10, not 14', async () => {
    deps.clock.set(new Date(Date.parse(account.tokenExpiresAt) - 10 * DAY + 60_000));
    await checkTokenHealth(deps);
    const mail = must(deps.mailer.outbox[0], 'the warning');
    expect(mail.subject).toBe('[VPP Manager] North Campus: content token expires in 10 days');
    expect(mail.text).toContain(
      'The content token of "North Campus" (Main Office, Example School) expires in 10 days, on 2027-03-02.',
    );
    expect(mail.text).toContain('PUT /v1/accounts/acc-7f3/token');
    expect(mail.html).toContain('expires in 10 days, on 2027-03-02');
    expect(mail.to).toBe('contact@example.test');
    expectNoPlaceholder(mail);
    expect(deps.audit.actions('account.expiry_alert_sent')[0]?.details).toMatchObject({ daysLeft: 10 });
  });

  it.each([
    [30, 'in 30 days'],
    [13, 'in 13 days'],
    [7, 'in 7 days'],
    [2, 'in 2 days'],
    [1, 'within a day'],
  ])('with %i days left says "%s"', async (days, said) => {
    deps.clock.set(new Date(Date.parse(account.tokenExpiresAt) - days * DAY + 60_000));
    await checkTokenHealth(deps);
    const mail = must(deps.mailer.outbox[0], 'the warning');
    expect(mail.subject).toContain(`expires ${said}`);
    expect(mail.text).toContain(`expires ${said}, on 2027-03-02`);
    expectNoPlaceholder(mail);
  });
});

describe('the token alerts', () => {
  it.each([
    [9625, 'content token revoked', 'Apple has revoked the content token of "North Campus"'],
    [
      9621,
      'content token expired',
      'The content token of "North Campus" (Main Office, Example School) has expired',
    ],
    [9622, 'content token not accepted', 'Apple no longer accepts the content token of "North Campus"'],
  ])('Apple error %i: "%s" names the account and the real upload call', async (n, subject, fact) => {
    await observeApple(deps, account, { error: appleRefusal(n) });
    const mail = must(deps.mailer.outbox[0], 'the alert');
    expect(mail.subject).toBe(`[VPP Manager] North Campus: ${subject}`);
    expect(mail.text).toContain(fact);
    expect(mail.text).toContain('(PUT /v1/accounts/acc-7f3/token)');
    expectNoPlaceholder(mail);
  });

  it('a location taken over names the other MDM and how to take it back', async () => {
    await observeApple(deps, account, {
      meta: { mdmInfo: { id: 'other', name: 'Other MDM', metadata: '' } },
    });
    const mail = must(deps.mailer.outbox[0], 'the alert');
    expect(mail.subject).toBe('[VPP Manager] North Campus: location taken over by another MDM');
    expect(mail.text).toContain('("Other MDM") has taken over "North Campus" (Main Office, Example School)');
    expect(mail.text).toContain('"takeOver": true in the body (PUT /v1/accounts/acc-7f3/token)');
    expectNoPlaceholder(mail);
  });

  it('a location taken over by an MDM Apple gives no name still reads whole', async () => {
    await observeApple(deps, account, { meta: { mdmInfo: { id: 'other', name: '', metadata: '' } } });
    const mail = must(deps.mailer.outbox[0], 'the alert');
    expect(mail.text).toContain('Another device management service has taken over "North Campus"');
    expectNoPlaceholder(mail);
  });
});

describe('the shortage alert', () => {
  it('names the asset, the account, the number short and the plan to read', async () => {
    givenAsset(deps, account, { name: 'Keynote', adamId: '409183694', availableCount: 1, totalCount: 1 });
    await givenDeployment(deps, account, { adamId: '409183694' });
    await givenDevices(deps, { serialNumber: 'A1' }, { serialNumber: 'B2' }, { serialNumber: 'C3' });
    await reconcileAll(deps, { type: 'schedule', id: 'reconcile' });
    const mail = must(deps.mailer.outbox[0], 'the alert');
    expect(mail.subject).toBe('[VPP Manager] North Campus: 2 licences short for Keynote');
    expect(mail.text).toContain(
      'The deployment of "Keynote" (409183694, STDQ) in "North Campus" needs 2 more licences than are free.',
    );
    expect(mail.text).toContain(
      '(GET /v1/accounts/acc-7f3/assets/409183694/deployment/plan?pricingParam=STDQ)',
    );
    expectNoPlaceholder(mail);
  });

  it('one licence short says "licence", and an asset Apple gave no name is named by its id', async () => {
    givenAsset(deps, account, { name: undefined, adamId: '409183694', availableCount: 1, totalCount: 1 });
    await givenDeployment(deps, account, { adamId: '409183694' });
    await givenDevices(deps, { serialNumber: 'A1' }, { serialNumber: 'B2' });
    await reconcileAll(deps, { type: 'schedule', id: 'reconcile' });
    const mail = must(deps.mailer.outbox[0], 'the alert');
    expect(mail.subject).toBe('[VPP Manager] North Campus: 1 licence short for 409183694');
    expectNoPlaceholder(mail);
  });
});

describe('the invitation', () => {
  async function invite(over: Parameters<typeof givenUsers>[2]) {
    await givenUsers(deps, account, { id: 'ana', status: 'Invited', inviteCode: 'CODE-1', ...over });
    await requestInvitations(deps, orgAdmin, account.id, ['ana']);
    const [sent] = deps.queue.take('jobs');
    if (sent?.message.type !== 'invitation') throw new Error('no invitation job queued');
    await runInvitationJob(deps, sent.message, { receiveCount: 1, maxReceiveCount: 5 });
    return must(deps.mailer.outbox[0], 'the invitation');
  }

  it('greets the person, names the account, and links to this service with a working token and its end date', async () => {
    const mail = await invite({ name: 'Ana Lima', email: 'ana@example.test' });
    expect(mail.to).toBe('ana@example.test');
    expect(mail.subject).toBe('North Campus invites you to receive apps and books');
    expect(mail.text).toMatch(/^Hello Ana Lima,/);
    const link = must(
      /https:\/\/vpp\.example\.test\/invitations\/[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0],
      'link',
    );
    expect(mail.html).toContain(`href="${link}"`);
    const expires = new Date(deps.clock.now().getTime() + 30 * DAY).toISOString().slice(0, 10);
    expect(mail.text).toContain(`until ${expires}`);
    expect(mail.text).toMatch(/— North Campus$/);
    expectNoPlaceholder(mail);
  });

  it('without a name says a plain hello', async () => {
    const mail = await invite({ name: undefined });
    expect(mail.text).toMatch(/^Hello,/);
    expectNoPlaceholder(mail);
  });
});

describe('the paused webhook', () => {
  it('names the subscription, its origin only, since when it fails and the calls to look and resume', () => {
    const mail = pausedEmail({
      id: 'wh-42',
      orgId: 'org-1',
      url: 'https://hooks.example.com/vpp?key=receiver-key',
      eventTypes: ['license.granted'],
      enabled: false,
      createdBy: 'admin@example.com',
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      secretVersion: 1,
      failingSince: '2026-03-01T09:00:00.000Z',
      pausedAt: '2026-03-02T09:00:00.000Z',
    });
    expect(mail.to).toBe('admin@example.com');
    expect(mail.text).toContain(
      'wh-42 (https://hooks.example.com) has failed since 2026-03-01T09:00:00.000Z',
    );
    expect(mail.text).toContain('GET /v1/webhooks/wh-42/deliveries');
    expect(mail.text).toContain('(PATCH /v1/webhooks/wh-42)');
    expect(readable(mail).join(' ')).not.toContain('receiver-key');
    expectNoPlaceholder(mail);
  });
});

describe('the list of e-mails above', () => {
  it('covers every module of shared/ that sends mail', () => {
    const root = join(import.meta.dirname, '../../../shared');
    const senders = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /mailer\.send\(/.test(readFileSync(join(root, f), 'utf8')))
      .map((f) => relative(root, join(root, f)).replaceAll('\\', '/'))
      .sort();
    expect(senders).toEqual([
      'application/accounts/check-token-health.ts',
      'application/accounts/token-guard.ts',
      'application/deployments/reconcile.ts',
      'application/users/apply-apple-users.ts',
      'application/webhooks/webhook-deliveries.ts',
    ]);
  });
});
