/**
 * The request-a-user-job skeleton (user-jobs.ts): each named user once, unknown ones refused first,
 * the rest as `refuse` says; none left is 422 `<kind>.nothing_to_do`; the job starts with the
 * accepted users waiting for it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { acceptUsers, startUserJob } from '../../../../shared/application/users/user-jobs.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { RuleViolationError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenUsers } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('acceptUsers', () => {
  it('takes each id once and gives every refused user a reason', async () => {
    // Prepare
    const [keep, refuse] = await givenUsers(deps, account, {}, {});
    if (!keep || !refuse) throw new Error('no users');

    // Act
    const { accepted, rejected } = await acceptUsers(
      deps,
      account,
      'invitation',
      [keep.id, keep.id, refuse.id, 'nobody'],
      (user) => (user.id === refuse.id ? { code: 'user.busy', reason: 'Busy.' } : undefined),
    );

    // Assess
    expect(accepted.map((u) => u.id)).toEqual([keep.id]);
    expect(rejected).toEqual([
      { subject: `user:${refuse.id}`, code: 'user.busy', reason: 'Busy.' },
      { subject: 'user:nobody', code: 'user.not_found', reason: 'No such user in this account.' },
    ]);
  });

  it('refuses a request in which no user may go ahead, naming the kind', async () => {
    const attempt = acceptUsers(deps, account, 'retirement', ['nobody'], () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(RuleViolationError);
    await expect(attempt).rejects.toMatchObject({
      code: 'retirement.nothing_to_do',
      message: 'No user can be retired: see details.rejected.',
    });
  });
});

describe('startUserJob', () => {
  it('creates the job and marks each user as waiting for it', async () => {
    // Prepare
    const users = await givenUsers(deps, account, {}, {});

    // Act
    const job = await startUserJob(deps, account, { type: 'system', id: 'test' }, 'retirement', users, {
      requested: 5,
      summary: { booksKept: 1 },
    });

    // Assess
    expect(job).toMatchObject({
      orgId: account.orgId,
      accountId: account.id,
      type: 'retirement',
      state: 'queued',
      requested: 5,
      completed: 0,
      summary: { booksKept: 1 },
      createdBy: 'system:test',
    });
    expect(await deps.jobs.get(job.id)).toMatchObject({ id: job.id, state: 'queued' });
    for (const user of users)
      expect((await deps.users.get(account.id, user.id))?.pending).toEqual({
        kind: 'retirement',
        jobId: job.id,
      });
  });
});
