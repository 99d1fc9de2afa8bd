/**
 * The settlement's webhook events on fakes: one license.granted per job step with every subject in
 * `data.subjects` (not one per subject), license.failed with Apple's error, job.finished when the step
 * ended the job, nothing new when the same settlement runs again; the token events with their alerts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { observeApple } from '../../../../shared/application/accounts/token-guard.ts';
import { settleTasks } from '../../../../shared/application/licenses/settle-event.ts';
import { createWebhook } from '../../../../shared/application/webhooks/manage-webhooks.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { appleRefusal, type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenHoldings, givenJob, orgAdmin } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  deps.hosts.set('hooks.example.com', ['93.184.215.14']);
  await createWebhook(deps, orgAdmin, {
    url: 'https://hooks.example.com/vpp',
    eventTypes: ['license.granted', 'license.failed', 'job.finished', 'token.revoked'],
    enabled: true,
  });
});

const events = () => deps.webhookDeliveries.all().map((d) => d.event);

describe('the licence events of a settlement', () => {
  it('publishes one batched event per outcome and job.finished, once however often it runs', async () => {
    // Arrange: a job of three devices waiting for Apple's event
    await givenJob(deps, {
      id: 'job-1',
      orgId: account.orgId,
      accountId: account.id,
      requested: 3,
      state: 'running',
    });
    const records = givenHoldings(
      deps,
      account,
      ...['S1', 'S2', 'S3'].map((subjectId) => ({
        subjectId,
        state: 'pending-grant' as const,
        eventId: 'apple-ev-1',
        jobId: 'job-1',
      })),
    );
    const outcomes = records.map((record, i) =>
      i === 2 ? { record, error: { errorNumber: 9709, errorMessage: 'No licences left' } } : { record },
    );

    // Act
    await settleTasks(deps, 'apple-ev-1', outcomes);
    await settleTasks(deps, 'apple-ev-1', outcomes);

    // Assess
    const byType = Object.fromEntries(events().map((e) => [e.type, e]));
    expect(events()).toHaveLength(3);
    expect(byType['license.granted']).toMatchObject({
      accountId: account.id,
      data: {
        jobId: 'job-1',
        appleEventId: 'apple-ev-1',
        asset: { adamId: '361309726', pricingParam: 'STDQ' },
        subjects: [
          { type: 'device', id: 'S1' },
          { type: 'device', id: 'S2' },
        ],
      },
    });
    expect(byType['license.failed']?.data).toMatchObject({
      operation: 'grant',
      subjects: [{ type: 'device', id: 'S3', error: { code: 9709, message: 'No licences left' } }],
    });
    expect(byType['job.finished']?.data).toMatchObject({ jobId: 'job-1', kind: 'grant' });
  });
});

describe('the token events', () => {
  it('publishes token.revoked with the status alert', async () => {
    // Act
    await observeApple(deps, account, { error: appleRefusal(9625) });

    // Assess
    expect(events()).toEqual([
      expect.objectContaining({
        type: 'token.revoked',
        accountId: account.id,
        data: expect.objectContaining({ accountId: account.id }),
      }),
    ]);
  });
});
