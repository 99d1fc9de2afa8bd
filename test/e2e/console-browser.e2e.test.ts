/**
 * The seed's whole workflow through the admin console only, in a real browser (Debian's Chromium
 * driven by playwright-core) on local mode: sign in, add an account from a .vpptoken file, read the
 * licences, add devices, grant and watch the job end, import users (a bad line reported), invite and
 * accept at the simulator's page, grant to a user, revoke, retire, a deployment with its plan and a
 * reconciliation, the shortage in the report; then as a viewer (no write action anywhere) and as an
 * admin the account does not list. axe-core checks every page (no serious or critical violation);
 * a screenshot of each page is written to test-output/console/ (git-ignored).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserPage, openBrowserPage } from '../support/browser.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let session: BrowserPage;
let page: Page;
let tokenFile: string;
let accountUrl: string;

beforeAll(async () => {
  session = await openBrowserPage('console');
  page = session.page;
  rt = await startTestRuntime({ simulator: { seed: 'demo', eventDelayMs: 30 } });
  // Local mode writes each demo location's token to a .vpptoken file; this one is the test's own.
  tokenFile = join(mkdtempSync(join(tmpdir(), 'vpp-console-')), 'demo-north.vpptoken');
  writeFileSync(tokenFile, `${rt.tokenFile('demo-north')}\n`);
  page.on('dialog', (dialog) => dialog.accept());
}, 180_000);

afterEach((context) => session?.screenshotOnFailure(context));

afterAll(async () => {
  await session?.browser.close();
  await rt?.stop();
});

const checkPage = (name: string) => session.checkPage(name);

async function signIn(role: 'org-admin' | 'admin' | 'viewer', email: string): Promise<void> {
  await page.goto(`${rt.apiUrl}/`);
  const signOut = page.getByRole('button', { name: 'Sign out' });
  const organisation = page.getByLabel('Organisation', { exact: true });
  // Wait until the page has rendered one of its two states before deciding which it is.
  await signOut.or(organisation).first().waitFor();
  if (await signOut.isVisible()) await signOut.click();
  await organisation.fill('demo');
  await page.locator('select[name=role]').selectOption(role);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
}

/** Waits for the newest job the page follows to end, and returns its state. */
async function jobEnds(): Promise<string> {
  const job = page.locator('.job').last();
  await job.waitFor();
  await expect
    .poll(async () => job.getAttribute('data-job-state'), { timeout: 60_000 })
    .toMatch(/succeeded|partially_failed|failed/);
  return (await job.getAttribute('data-job-state')) ?? '';
}

async function openAsset(name: string): Promise<void> {
  await page.goto(`${accountUrl}/apps`);
  await page.getByRole('link', { name, exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

describe('the admin console, through the browser only', () => {
  it('signs in locally', async () => {
    await page.goto(`${rt.apiUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to VPP Manager' }).waitFor();
    await checkPage('sign-in');
    await signIn('org-admin', 'admin@demo.test');
    await expect.poll(() => page.locator('.empty').textContent()).toContain('No account yet');
    await checkPage('accounts-empty');
  });

  it('adds an account from the demo .vpptoken file and shows it active', async () => {
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByLabel(/Content token/).setInputFiles(tokenFile);
    await page.getByLabel('Name', { exact: true }).fill('Hillside School');
    await page.getByLabel(/Contact e-mail/).fill('it@demo.test');
    await page.getByLabel(/Allowed admins/).fill('helper@demo.test');
    await page
      .getByRole('form', { name: 'Add account' })
      .getByRole('button', { name: 'Add account' })
      .click();
    const row = page.getByRole('row', { name: /Hillside School/ });
    await row.waitFor();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('active');
    await checkPage('accounts');
    await row.getByRole('link', { name: 'Hillside School' }).click();
    await page.getByRole('heading', { level: 1, name: /Hillside School/ }).waitFor();
    accountUrl = page.url().replace(/\/(apps|users)$/, '');
  });

  it('lists the licensed applications with Device-assignable and Irrevocable', async () => {
    await expect.poll(async () => (await page.getByRole('row').count()) > 8, { timeout: 60_000 }).toBe(true);
    await expect(page.getByRole('columnheader', { name: 'Device-assignable' })).toBeDefined();
    const pages = page.getByRole('row', { name: /^Pages/ });
    expect(await pages.locator('[data-column="device-assignable"]').textContent()).toBe('Y');
    const lingo = page.getByRole('row', { name: /Lingo Notes/ });
    expect(await lingo.locator('[data-column="device-assignable"]').textContent()).toBe('N');
    const book = page.getByRole('row', { name: /Pride and Prejudice/ });
    expect(await book.locator('[data-column="irrevocable"]').textContent()).toBe('Irrevocable');
    await checkPage('licensed-applications');
  }, 120_000);

  it('adds devices', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'Add devices' }).click();
    await page
      .getByLabel(/One device a line/)
      .fill(['C1001, net-1', 'C1002, net-1', 'C1003, net-1', 'C1004, net-1', 'C1005, net-1'].join('\n'));
    await page.getByRole('button', { name: 'Save devices' }).click();
    await page.getByRole('link', { name: 'C1005' }).waitFor();
    await checkPage('devices');
    // The search box asks the API for the serials that start with it.
    const serial = page.getByLabel('Serial number (how it starts)');
    await serial.fill('C1003');
    await serial.press('Enter');
    await expect
      .poll(() => page.getByRole('link', { name: /^C100\d$/ }).allTextContents())
      .toEqual(['C1003']);
    await serial.fill('');
    await serial.press('Enter');
    await page.getByRole('link', { name: 'C1005' }).waitFor();
    await page.getByRole('link', { name: 'C1001' }).click();
    await page.getByRole('heading', { name: 'Device C1001' }).waitFor();
    await checkPage('device');
  });

  it('grants an app to devices and watches the job end', async () => {
    await openAsset('Pages');
    const grant = page.getByRole('region', { name: 'Grant' });
    await grant.getByLabel('Search').fill('C100');
    await grant.getByLabel(/C1001/).check();
    await grant.getByLabel(/C1002/).check();
    await grant.getByRole('button', { name: 'Grant to 2 devices' }).click();
    expect(await jobEnds()).toBe('succeeded');
    const holders = page.getByRole('table', { name: 'Holders' });
    for (const serial of ['C1001', 'C1002'])
      await expect
        .poll(
          () =>
            holders
              .getByRole('row', { name: new RegExp(serial) })
              .locator('.badge')
              .textContent(),
          {
            timeout: 30_000,
          },
        )
        .toBe('granted');
    await checkPage('asset');
  });

  it('imports users from a CSV file and reports the bad line', async () => {
    await page.goto(`${accountUrl}/users`);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page
      .getByLabel('Or paste the rows')
      .fill('email,name\nsam.lee@pupils.test,Sam Lee\nnot-an-email,Broken\nkim.ng@pupils.test,Kim Ng\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.locator('.import-report');
    await report.waitFor();
    expect(await report.textContent()).toContain('Added 2 users; 1 line refused.');
    const refused = report.getByRole('row', { name: /not-an-email/ });
    expect(await refused.getByRole('cell').first().textContent()).toBe('3');
    await page.getByRole('link', { name: 'sam.lee@pupils.test' }).waitFor();
    await checkPage('user-management');
    // The search box finds users by how their name (or e-mail) starts.
    const search = page.getByLabel('Search (e-mail or name, how it starts)');
    await search.fill('kim');
    await search.press('Enter');
    await expect
      .poll(() => page.getByRole('link', { name: /@pupils\.test$/ }).allTextContents())
      .toEqual(['kim.ng@pupils.test']);
    await search.fill('');
    await search.press('Enter');
    await page.getByRole('link', { name: 'sam.lee@pupils.test' }).waitFor();
  });

  it('sends an invitation, which is accepted from the outbox and the simulator, and shows Associated', async () => {
    await page.getByLabel('Select sam.lee@pupils.test').check();
    await page.getByRole('button', { name: 'Send invitation(s)' }).click();
    expect(await jobEnds()).toBe('succeeded');
    // The person's side: the e-mail in the outbox, its link, Apple's page.
    const outbox = await session.browser.newPage();
    await outbox.goto(`${rt.apiUrl}/_local/outbox.html`);
    await outbox.getByRole('heading', { name: 'Local outbox' }).waitFor();
    let link: string | undefined;
    await expect
      .poll(
        async () => {
          await outbox.reload();
          const invitation = outbox.locator('a[href*="/invitations/"]').first();
          link = (await invitation.getAttribute('href', { timeout: 500 }).catch(() => null)) ?? undefined;
          // The page opens it in a new tab: the invitation page refuses to be framed.
          if (link) expect(await invitation.getAttribute('target')).toBe('_blank');
          return link;
        },
        { timeout: 30_000 },
      )
      .toBeTruthy();
    await outbox.goto(link ?? '');
    await outbox.getByRole('button', { name: 'Accept invitation' }).click();
    await outbox.waitForURL(`${rt.simulator.url}/invitation?inviteCode=*`);
    await outbox.fill('#appleAccount', 'sam@icloud.example');
    await outbox.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => outbox.textContent('h1')).toContain("You're all set");
    await outbox.close();
    const row = page.getByRole('row', { name: /sam\.lee@pupils\.test/ });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return row.locator('.badge').textContent();
        },
        { timeout: 30_000 },
      )
      .toBe('Associated');
  });

  it('grants an app to a user, then revokes a device', async () => {
    await openAsset('Keynote');
    const grant = page.getByRole('region', { name: 'Grant' });
    await grant.getByLabel('Users').check();
    await grant.getByLabel('Search').fill('sam.lee');
    await grant.getByRole('button', { name: /Select all matching \(1\)/ }).click();
    await grant.getByRole('button', { name: 'Grant to 1 user' }).click();
    expect(await jobEnds()).toBe('succeeded');

    await openAsset('Pages');
    const holders = page.getByRole('table', { name: 'Holders' });
    await holders.getByLabel('Select device C1001').check();
    await page.getByRole('button', { name: 'Revoke' }).click();
    expect(await jobEnds()).toBe('succeeded');
    await expect
      .poll(() => holders.getByRole('row', { name: /C1001/ }).locator('.badge').textContent())
      .toBe('revoked');
  });

  it('retires a user', async () => {
    await page.goto(`${accountUrl}/users`);
    await page.getByLabel('Select sam.lee@pupils.test').check();
    await page.getByRole('button', { name: 'Retire user(s)' }).click();
    expect(await jobEnds()).toBe('succeeded');
    const row = page.getByRole('row', { name: /sam\.lee@pupils\.test/ });
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 30_000 }).toBe('Retired');
    await page.getByRole('link', { name: 'sam.lee@pupils.test' }).click();
    await page.getByRole('heading', { level: 1, name: /sam\.lee@pupils\.test/ }).waitFor();
    await checkPage('user');
  });

  it('brings the retired user back with an invitation', async () => {
    await page.getByRole('button', { name: 'Bring back and invite' }).click();
    expect(await jobEnds()).toBe('succeeded');
    const heading = page.getByRole('heading', { level: 1, name: /sam\.lee@pupils\.test/ });
    await expect.poll(() => heading.locator('.badge').textContent(), { timeout: 30_000 }).toBe('Invited');
    await expect(page.getByRole('button', { name: 'Bring back and invite' }).count()).resolves.toBe(0);
  });

  it("previews a deployment's plan with the shortage before saving it, saves it, and reconciles", async () => {
    await openAsset('Prime Maths Tutor');
    const form = page.getByRole('form', { name: 'Deployment' });
    await form.getByLabel('Networks in scope (empty: any)').fill('net-1');
    await form.getByRole('button', { name: 'Preview plan' }).click();
    const plan = page.getByRole('region', { name: 'Plan' });
    await plan.waitFor();
    await page.getByText('Not saved yet.', { exact: false }).waitFor();
    expect(await plan.textContent()).toContain('5 in scope');
    expect(await plan.textContent()).toContain('Shortage: 3');
    // Previewing saved nothing: the asset still has no deployment.
    await page.getByText('No deployment: the asset reaches only those it is granted to.').waitFor();
    await checkPage('deployment-plan');
    await form.getByRole('button', { name: 'Save deployment' }).click();
    await page.getByText('Deployment saved. Its plan:').waitFor();
    expect(await plan.textContent()).toContain('Shortage: 3');
    await form.getByRole('button', { name: 'Reconcile now' }).click();
    expect(await jobEnds()).toMatch(/succeeded|partially_failed/);
  });

  it('shows the shortage in the report, the jobs and the audit log', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    const shortages = page.getByRole('region', { name: 'Shortages' });
    await expect
      .poll(async () => shortages.getByRole('row', { name: /Prime Maths Tutor/ }).count(), {
        timeout: 30_000,
      })
      .toBe(1);
    expect(
      await shortages
        .getByRole('row', { name: /Prime Maths Tutor/ })
        .getByRole('cell')
        .last()
        .textContent(),
    ).toBe('3');
    await checkPage('reports');
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.locator('.job').first().waitFor();
    // Every job of the organisation, from the API: the first sync, the reconciliation, the grants.
    for (const type of ['sync', 'reconciliation', 'grant'])
      await page
        .locator('.job', { hasText: `${type} job` })
        .first()
        .waitFor();
    await checkPage('jobs');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('rowheader', { name: 'account.created' }).waitFor();
    await checkPage('audit-log');
    // Filtered by a family of actions, the log lists only that family.
    const action = page.getByLabel('Action (license.granted, or license)');
    await action.fill('deployment');
    await action.press('Enter');
    await expect
      .poll(async () => {
        const actions = await page.getByRole('rowheader').allTextContents();
        return actions.includes('deployment.created') && actions.every((a) => a.startsWith('deployment.'));
      })
      .toBe(true);
  });

  it('fits a 390 px wide screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/accounts', `${accountUrl.replace(rt.apiUrl, '')}/apps`, '/devices', '/reports']) {
      await page.goto(`${rt.apiUrl}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForSelector('.loading', { state: 'detached' }).catch(() => undefined);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
    }
    await checkPage('accounts-390');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('as a viewer, offers no write action anywhere', async () => {
    await signIn('viewer', 'viewer@demo.test');
    const WRITES =
      /^(Add account|Sync now|Renew token|Remove|Add devices|Save devices|Remove device|Grant|Revoke|Save deployment|Reconcile now|Remove deployment|\+ Add user|Import CSV|Send invitation|Retire user)/;
    const assetPath = `${accountUrl}/apps/361309726?pricingParam=STDQ`;
    for (const url of [
      `${rt.apiUrl}/accounts`,
      `${accountUrl}/apps`,
      `${accountUrl}/users`,
      assetPath,
      `${rt.apiUrl}/devices`,
      `${rt.apiUrl}/devices/C1002`,
    ]) {
      await page.goto(url);
      await page.locator('h1').first().waitFor();
      await page.waitForSelector('.loading', { state: 'detached' }).catch(() => undefined);
      const buttons = await page.getByRole('button').allTextContents();
      expect(
        buttons.filter((b) => WRITES.test(b.trim())),
        url,
      ).toEqual([]);
      expect(await page.locator('input[type=checkbox]').count(), url).toBe(0);
    }
    await checkPage('viewer-asset');
  });

  it('as an admin the account does not list, shows no account; as a listed admin, it does', async () => {
    await signIn('admin', 'stranger@demo.test');
    await expect.poll(() => page.locator('.empty').textContent()).toContain('No account yet');
    expect(await page.getByRole('link', { name: 'Hillside School' }).count()).toBe(0);
    await signIn('admin', 'helper@demo.test');
    await page.getByRole('link', { name: 'Hillside School' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to VPP Manager' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(session.policyViolations).toEqual([]);
  });
});
