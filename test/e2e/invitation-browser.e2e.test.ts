/**
 * The end user's path in a real browser (Debian's Chromium driven by playwright-core): open the link
 * from the local outbox, press the button, land on the simulator's invitation page, accept, and see
 * the user Associated through the API. Never skipped: `npm test` installs Chromium when it can.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let browser: Browser;

beforeAll(async () => {
  rt = await startTestRuntime({ simulator: { seed: 'demo', eventDelayMs: 30 } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe('accepting an invitation in a browser', () => {
  it('goes from the e-mail link to Apple and back to Associated', async () => {
    // Prepare: an account, a user, an invitation.
    const account = await rt.call('POST', '/v1/accounts', {
      body: { name: 'Hillside School', email: 'it@demo.test', token: rt.tokenFile('demo-north') },
    });
    expect(account.status).toBe(201);
    const user = await rt.call('POST', `/v1/accounts/${account.body.id}/users`, {
      body: { email: 'alex@pupils.test', name: 'Alex' },
    });
    const invited = await rt.call('POST', `/v1/accounts/${account.body.id}/users/invitations`, {
      body: { userIds: [user.body.id] },
    });
    expect(invited.status).toBe(202);
    const mail = await eventually(
      async () => {
        const outbox = (await (await fetch(`${rt.apiUrl}/_local/outbox`)).json()) as {
          items: { destination: { to: string[] }; body: { html?: string } }[];
        };
        return outbox.items.find((m) => m.destination.to.includes('alex@pupils.test'));
      },
      30_000,
      'the invitation e-mail',
    );
    const link = /href="([^"]+\/invitations\/[^"]+)"/.exec(mail.body.html ?? '')?.[1];
    expect(link).toBeDefined();

    // Act: the person opens the link, presses the button, and accepts at "Apple".
    const page = await browser.newPage();
    await page.goto(link ?? '');
    await expect.poll(() => page.textContent('h1')).toContain('Hillside School');
    await page.click('button:has-text("Accept invitation")');
    await page.waitForURL(`${rt.simulator.url}/invitation?inviteCode=*`);
    await page.fill('#appleAccount', 'alex@icloud.example');
    await page.click('button:has-text("Accept invitation")');
    await expect.poll(() => page.textContent('h1')).toContain("You're all set");

    // Assess: Apple told the service, and the API shows the user Associated.
    await eventually(
      async () => {
        const read = await rt.call('GET', `/v1/accounts/${account.body.id}/users/${user.body.id}`);
        return read.body.status === 'Associated' ? read.body : undefined;
      },
      30_000,
      'the user to be Associated',
    );
    // The link has done its work.
    const reopened = await page.goto(link ?? '');
    expect(reopened?.status()).toBe(410);
  });
});
