/**
 * Reading jobs (shared/application/jobs/read-jobs.ts), one or the list, on one rule: org-admins and
 * viewers see every job of the organisation; an admin sees the jobs of the accounts that list them and
 * no organisation-wide job; another organisation's job, or one the caller may not see, does not exist.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { getJob, listJobs } from '../../../../shared/application/jobs/read-jobs.ts';
import { NotFoundError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  foreignAdmin,
  givenAccount,
  givenJob,
  listedAdmin,
  orgAdmin,
  otherAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;

/** Jobs one minute apart, oldest first: job-1 (account-1), job-org (no account), job-2 (account-2), job-3 (account-1). */
beforeEach(async () => {
  deps = fakeDeps();
  await givenAccount(deps);
  await givenAccount(deps, { id: 'account-2', allowedAdmins: [otherAdmin.email] });
  await givenJob(deps, { id: 'job-1', accountId: 'account-1' });
  deps.clock.advance({ minutes: 1 });
  await givenJob(deps, { id: 'job-org', accountId: undefined, type: 'device-removal' });
  deps.clock.advance({ minutes: 1 });
  await givenJob(deps, { id: 'job-2', accountId: 'account-2', type: 'sync' });
  deps.clock.advance({ minutes: 1 });
  await givenJob(deps, { id: 'job-3', accountId: 'account-1', type: 'sync' });
});

const ids = async (principal = orgAdmin, filter: Partial<Parameters<typeof listJobs>[2]> = {}) =>
  (await listJobs(deps, principal, { limit: 100, ...filter })).items.map((j) => j.id);

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

  it('shows an organisation-wide job to org-admins and viewers, and to no admin (as the list does)', async () => {
    await expect(getJob(deps, orgAdmin, 'job-org')).resolves.toMatchObject({ type: 'device-removal' });
    await expect(getJob(deps, viewer, 'job-org')).resolves.toMatchObject({ type: 'device-removal' });
    await expect(getJob(deps, listedAdmin, 'job-org')).rejects.toMatchObject({ code: 'job.not_found' });
    await expect(getJob(deps, otherAdmin, 'job-org')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('says what a job not ended waits for', async () => {
    await deps.jobs.awaitEvent('job-1', { eventId: 'event-9', nextCheckAt: '2026-03-02T09:05:00.000Z' });
    expect((await getJob(deps, viewer, 'job-1')).waitingFor).toEqual({
      kind: 'apple-event',
      eventId: 'event-9',
      nextCheckAt: '2026-03-02T09:05:00.000Z',
    });
    expect((await getJob(deps, viewer, 'job-2')).waitingFor).toEqual({ kind: 'queue' });
    expect(await getJob(deps, viewer, 'job-1')).not.toHaveProperty('awaitingEvent');
  });
});

describe('listJobs', () => {
  it('lists every job of the organisation, newest first, to org-admins and viewers', async () => {
    expect(await ids(orgAdmin)).toEqual(['job-3', 'job-2', 'job-org', 'job-1']);
    expect(await ids(viewer)).toEqual(['job-3', 'job-2', 'job-org', 'job-1']);
  });

  it('lists an admin the jobs of the accounts that list them, never an organisation-wide job', async () => {
    expect(await ids(listedAdmin)).toEqual(['job-3', 'job-1']);
    expect(await ids(otherAdmin)).toEqual(['job-2']);
    expect(await ids(foreignAdmin)).toEqual([]);
  });

  it('lists items without failures or organisation, each saying what it waits for', async () => {
    const [item] = (await listJobs(deps, viewer, { limit: 1 })).items;
    expect(item).toMatchObject({ id: 'job-3', waitingFor: { kind: 'queue' } });
    expect(item).not.toHaveProperty('failures');
    expect(item).not.toHaveProperty('orgId');
  });

  it('filters by type, state and account', async () => {
    expect(await ids(orgAdmin, { type: 'sync' })).toEqual(['job-3', 'job-2']);
    await deps.jobs.recordProgress('job-1', { completed: 1 });
    expect(await ids(orgAdmin, { state: 'succeeded' })).toEqual(['job-1']);
    expect(await ids(orgAdmin, { accountId: 'account-1' })).toEqual(['job-3', 'job-1']);
    expect(await ids(orgAdmin, { accountId: 'account-1', type: 'sync' })).toEqual(['job-3']);
    expect(await ids(viewer, { state: 'failed' })).toEqual([]);
  });

  it('lists nothing for an account the caller may not see or that is not there (never a 404)', async () => {
    expect(await ids(listedAdmin, { accountId: 'account-2' })).toEqual([]);
    expect(await ids(otherAdmin, { accountId: 'account-2' })).toEqual(['job-2']);
    expect(await ids(orgAdmin, { accountId: 'no-such-account' })).toEqual([]);
    expect(await ids(foreignAdmin, { accountId: 'account-1' })).toEqual([]);
  });

  it('pages newest first with the cursor of each page, each job once', async () => {
    const first = await listJobs(deps, orgAdmin, { limit: 3 });
    expect(first.items.map((j) => j.id)).toEqual(['job-3', 'job-2', 'job-org']);
    const second = await listJobs(deps, orgAdmin, { limit: 3, cursor: first.nextCursor });
    expect(second.items.map((j) => j.id)).toEqual(['job-1']);
    expect(second.nextCursor).toBeUndefined();
    const admin = await listJobs(deps, listedAdmin, { limit: 1 });
    expect(admin.items.map((j) => j.id)).toEqual(['job-3']);
    const rest = await listJobs(deps, listedAdmin, { limit: 1, cursor: admin.nextCursor });
    expect(rest.items.map((j) => j.id)).toEqual(['job-1']);
  });
});
