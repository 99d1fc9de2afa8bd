/** Reading a job (shared/application/jobs/get-job.ts): another organisation's job, or one about an account an admin is not listed on, does not exist. */
import { beforeEach, describe, expect, it } from 'vitest';
import { getJob } from '../../../../shared/application/jobs/get-job.ts';
import { NotFoundError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  foreignAdmin,
  givenAccount,
  givenJob,
  listedAdmin,
  otherAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;

beforeEach(async () => {
  deps = fakeDeps();
  await givenAccount(deps);
  await givenJob(deps, { id: 'job-1', accountId: 'account-1' });
  await givenJob(deps, { id: 'job-org', accountId: undefined, type: 'device-removal' });
});

describe('getJob', () => {
  it('answers the job with its failures and without its organisation, to anyone of the organisation who may read its account', async () => {
    await deps.jobs.recordProgress('job-1', {
      failures: [{ subject: 'device:A', code: 'apple.not_enough_licenses', reason: 'none' }],
    });
    const job = await getJob(deps, viewer, 'job-1');
    expect(job).toMatchObject({ id: 'job-1', state: 'failed', failures: [{ subject: 'device:A' }] });
    expect(job).not.toHaveProperty('orgId');
    await expect(getJob(deps, listedAdmin, 'job-1')).resolves.toMatchObject({ id: 'job-1' });
  });

  it('is a 404 for another organisation, for an admin the account does not list, and for no job', async () => {
    await expect(getJob(deps, foreignAdmin, 'job-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getJob(deps, otherAdmin, 'job-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getJob(deps, viewer, 'nope')).rejects.toMatchObject({ code: 'job.not_found' });
  });

  it('shows any admin of the organisation a job about no account', async () => {
    await expect(getJob(deps, otherAdmin, 'job-org')).resolves.toMatchObject({ type: 'device-removal' });
  });
});
