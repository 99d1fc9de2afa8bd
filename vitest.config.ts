/**
 * Three layers, each a vitest project (`vitest run --project <name>`; `vitest run` runs them all):
 * - `unit`: `test/unit/**`, the rules against in-memory fakes. No global setup:
 *   no DynamoDB Local, no Java, no server, no browser, no network.
 * - `integration`: every other test on the local engines (DynamoDB Local, started once by the global
 *   setup; the local queues, SES stand-in and Apple simulator each test starts), but not the browser.
 *   Its load tests (thousands of licences, workers that die mid-batch) are the project
 *   `integration-load`: they run after the rest, one file at a time, so no other test's load slows
 *   their queues past a visibility timeout or their API calls past the gateway's 29 s.
 * - `browser`: the tests that drive Chromium (the invitation page, the admin console, its sign-in at an
 *   OpenID provider).
 * Files run two at a time (vitest's default on two cores is one): most of a test's time is spent
 * waiting for queues, debounces and Apple's events, not on the CPU.
 */
import { defineConfig } from 'vitest/config';

const BROWSER_TESTS = [
  'test/e2e/invitation-browser.e2e.test.ts',
  'test/e2e/console-browser.e2e.test.ts',
  'test/e2e/console-oidc-browser.e2e.test.ts',
];
const UNIT_TESTS = ['test/unit/**/*.test.ts'];
const LOAD_TESTS = ['test/application/license-crashes.test.ts', 'test/application/licenses.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    env: {
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT_TESTS,
          testTimeout: 5_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT_TESTS, ...BROWSER_TESTS, ...LOAD_TESTS, '**/node_modules/**'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-load',
          include: LOAD_TESTS,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER_TESTS,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
