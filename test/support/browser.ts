/**
 * What the browser tests share: Debian's Chromium launched through playwright-core (never skipped:
 * a missing Chromium fails at once, saying how to install it), a page that records Content Security
 * Policy violations, axe-core on each page (no serious or critical violation) with its screenshot,
 * and a screenshot of the page as it was when a step failed.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect, type TestContext } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface BrowserPage {
  readonly browser: Browser;
  readonly page: Page;
  /** The Content Security Policy violations the page reported on its console. */
  readonly policyViolations: string[];
  /** axe-core on the page as it is (no serious or critical violation), then its screenshot. */
  checkPage(name: string): Promise<void>;
  /** In `afterEach`: the page's screenshot when the test failed, to read beside the error. */
  screenshotOnFailure(context: TestContext): Promise<void>;
}

/** Chromium, or an error naming the command that installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      'Chromium is missing: run `sudo apt-get install -y chromium` (npm test does it when it runs as root).',
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** A browser and one page whose screenshots go to test-output/<shots>/ (git-ignored). */
export async function openBrowserPage(shots: string): Promise<BrowserPage> {
  const folder = resolve(import.meta.dirname, '..', '..', 'test-output', shots);
  mkdirSync(folder, { recursive: true });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const policyViolations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      policyViolations.push(message.text());
  });
  return {
    browser,
    page,
    policyViolations,
    async checkPage(name) {
      await page.waitForSelector('.loading', { state: 'detached' }).catch(() => undefined);
      // Evaluated through the debugging protocol: the page's CSP (rightly) refuses inline scripts.
      await page.evaluate(AXE);
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as any).axe;
        const result = await axe.run((globalThis as any).document, { resultTypes: ['violations'] });
        return (result.violations as any[])
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
      });
      expect(violations, `axe on ${name}`).toEqual([]);
      await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
    },
    async screenshotOnFailure(context) {
      if (context.task.result?.state === 'fail')
        await page.screenshot({ path: join(folder, `failed-${context.task.name.replace(/\W+/g, '-')}.png`) });
    },
  };
}
