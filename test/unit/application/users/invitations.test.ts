/**
 * Inviting users (invitations.ts), what Apple's answers about users do (apply-apple-users.ts), a late
 * users event polled (follow-user-event.ts) and the invitation link's pages (invitation-pages.ts): the
 * e-mail goes once Apple has registered the user, with a link that works until it is accepted; late news never moves a user
 * back; what Apple refused fails its job item with Apple's number.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ParsedQueueMessage } from '../../../../shared/application/messages.ts';
import { RetryLaterError } from '../../../../shared/application/retry-later.ts';
import { applyAppleUsers, failUsers } from '../../../../shared/application/users/apply-apple-users.ts';
import { followUserEvent } from '../../../../shared/application/users/follow-user-event.ts';
import { acceptInvitation, openInvitation } from '../../../../shared/application/users/invitation-pages.ts';
import { requestInvitations, runInvitationJob } from '../../../../shared/application/users/invitations.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ForbiddenError } from '../../../../shared/domain/errors.ts';
import { hashInvitationToken } from '../../../../shared/domain/invitation.ts';
import type { VppUser } from '../../../../shared/domain/vpp-user.ts';
import { appleRefusal, type FakeDeps, fakeDeps, vppFault } from '../../../support/fakes/index.ts';
import {
  givenAccount,
  givenJob,
  givenUsers,
  listedAdmin,
  must,
  orgAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;
const first = { receiveCount: 1, maxReceiveCount: 5 };

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

const user = async (id: string) => must(await deps.users.get(account.id, id), `user ${id}`);
/** Requests invitations and runs the job message the request queued. */
async function invite(...userIds: string[]) {
  const started = await requestInvitations(deps, orgAdmin, account.id, userIds);
  const [sent] = deps.queue.take('jobs');
  if (sent?.message.type !== 'invitation') throw new Error('no invitation job queued');
  await runInvitationJob(deps, sent.message, first);
  return started;
}
/** The token in the link of the last invitation e-mail. */
const linkToken = () => {
  const text = deps.mailer.outbox.at(-1)?.text ?? '';
  return must(/\/invitations\/([A-Za-z0-9_-]+)/.exec(text)?.[1], 'link in the e-mail');
};

describe('requestInvitations', () => {
  it('accepts New, Invited and Retired users with an address, marks them waiting for the job, and rejects the rest with reasons', async () => {
    await givenUsers(
      deps,
      account,
      { id: 'new', status: 'New', appleStatus: undefined, inviteCode: undefined },
      { id: 'invited', status: 'Invited' },
      { id: 'associated', status: 'Associated' },
      { id: 'retired', status: 'Retired' },
      { id: 'busy', status: 'Invited', pending: { kind: 'retirement', jobId: 'j0' } },
    );
    const { job, rejected } = await requestInvitations(deps, listedAdmin, account.id, [
      'new',
      'invited',
      'associated',
      'retired',
      'busy',
      'ghost',
      'new',
    ]);
    expect(job).toMatchObject({ type: 'invitation', requested: 3, state: 'queued' });
    expect(Object.fromEntries(rejected.map((r) => [r.subject, r.code]))).toEqual({
      'user:associated': 'user.already_associated',
      'user:busy': 'user.busy',
      'user:ghost': 'user.not_found',
    });
    expect((await user('new')).pending).toEqual({ kind: 'invitation', jobId: job.id });
    expect(deps.queue.messages('jobs')).toMatchObject([
      { type: 'invitation', jobId: job.id, userIds: ['new', 'invited', 'retired'] },
    ]);
  });

  it('refuses a viewer, and a request in which nobody can be invited', async () => {
    await givenUsers(deps, account, { id: 'associated', status: 'Associated' });
    await expect(requestInvitations(deps, viewer, account.id, ['associated'])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(requestInvitations(deps, orgAdmin, account.id, ['associated'])).rejects.toMatchObject({
      code: 'invitation.nothing_to_do',
    });
    expect(deps.queue.sent).toEqual([]);
  });
});

describe('runInvitationJob and applyAppleUsers', () => {
  it('registers New users at Apple and e-mails them only once Apple has given them a code', async () => {
    // Prepare, Act: the job registers the user at Apple
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'New',
      appleStatus: undefined,
      inviteCode: undefined,
    });
    const { job } = await invite('ana');
    // Assess: Apple was asked, the event is on the user, a poll is scheduled; no e-mail yet
    expect(deps.vpp.callsOf('createUsers').map((c) => c.args[0])).toEqual([
      [{ clientUserId: 'ana', email: 'ana@example.test' }],
    ]);
    expect((await user('ana')).pending).toEqual({ kind: 'invitation', jobId: job.id, eventId: 'event-1' });
    expect(deps.queue.sent).toMatchObject([
      {
        queue: 'events',
        delaySeconds: deps.settings.eventFirstPollSeconds,
        message: { eventId: 'event-1', eventType: 'CREATE' },
      },
    ]);
    expect(deps.mailer.outbox).toEqual([]);
    // Act: Apple's USER_MANAGEMENT says Registered, with a code, twice
    const registered = { clientUserId: 'ana', status: 'Registered' as const, inviteCode: 'CODE-1' };
    await applyAppleUsers(deps, account, [registered]);
    await applyAppleUsers(deps, account, [registered]);
    // Assess: one e-mail, with a link whose token is stored only as its hash
    expect(deps.mailer.outbox).toHaveLength(1);
    expect(deps.mailer.outbox[0]).toMatchObject({ to: 'ana@example.test' });
    expect(deps.mailer.outbox[0]?.text).toContain('Main Office');
    const token = linkToken();
    const ana = await user('ana');
    expect(ana).toMatchObject({
      status: 'Invited',
      inviteCode: 'CODE-1',
      invitationLink: hashInvitationToken(token),
    });
    expect(ana.pending).toBeUndefined();
    expect(JSON.stringify(deps.invitations.all())).not.toContain(token);
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    expect(deps.audit.actions('user.invited')).toHaveLength(1);
  });

  it('brings a retired user back: registered at Apple again under the same id, invited as usual, with their history and the audit trail', async () => {
    // Prepare: a user retired earlier, their old link used, the old Apple entry linked to an account
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'Retired',
      appleStatus: 'Retired',
      inviteCode: undefined,
      idHash: 'old-hash',
      invitationLink: 'old-link',
      tags: ['maths'],
      createdAt: '2025-09-01T08:00:00.000Z',
    });
    // Act: invite them
    const { job, rejected } = await invite('ana');
    // Assess: Apple is asked to create the same clientUserId again; they stay Retired until Apple says
    expect(rejected).toEqual([]);
    expect(deps.vpp.callsOf('createUsers').map((c) => c.args[0])).toEqual([
      [{ clientUserId: 'ana', email: 'ana@example.test' }],
    ]);
    expect(await user('ana')).toMatchObject({
      status: 'Retired',
      pending: { kind: 'invitation', eventId: 'event-1' },
    });
    expect(deps.audit.actions('user.returning')[0]).toMatchObject({
      target: `user:${account.id}/ana`,
      details: { jobId: job.id },
    });
    // Act: a late RETIRE of the old entry, then Apple's news of the new entry
    await applyAppleUsers(deps, account, [{ clientUserId: 'ana', status: 'Retired', idHash: 'old-hash' }]);
    expect(await user('ana')).toMatchObject({ status: 'Retired' });
    await applyAppleUsers(deps, account, [{ clientUserId: 'ana', status: 'Registered', inviteCode: 'NEW' }]);
    // Assess: the same user, Invited with the new code, e-mailed; nothing of the old entry left
    const ana = await user('ana');
    expect(ana).toMatchObject({
      id: 'ana',
      status: 'Invited',
      appleStatus: 'Registered',
      inviteCode: 'NEW',
      tags: ['maths'],
      createdAt: '2025-09-01T08:00:00.000Z',
    });
    expect(ana.idHash).toBeUndefined();
    expect(ana.pending).toBeUndefined();
    expect(deps.mailer.outbox).toHaveLength(1);
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    expect(deps.audit.actions('user.returned')[0]?.details).toEqual({ from: 'Retired', to: 'Invited' });
    // A retired user who never asked to come back stays retired, whatever Apple's late news says.
    await givenUsers(deps, account, { id: 'ben', status: 'Retired', appleStatus: 'Retired' });
    await applyAppleUsers(deps, account, [{ clientUserId: 'ben', status: 'Registered', inviteCode: 'X' }]);
    expect(await user('ben')).toMatchObject({ status: 'Retired' });
  });

  it('keeps a returning user Retired, free to be invited again, when Apple refuses to register them', async () => {
    await givenUsers(deps, account, { id: 'ana', status: 'Retired', appleStatus: 'Retired' });
    deps.vpp.on('createUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9635) }],
    }));
    const { job } = await invite('ana');
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'failed' });
    const ana = await user('ana');
    expect(ana).toMatchObject({ status: 'Retired' });
    expect(ana.pending).toBeUndefined();
  });

  it('e-mails an Invited user again at once with a fresh link, voiding the old one', async () => {
    await givenUsers(deps, account, { id: 'ana', status: 'Invited', inviteCode: 'CODE-1' });
    await invite('ana');
    const firstToken = linkToken();
    await invite('ana');
    const secondToken = linkToken();
    expect(secondToken).not.toBe(firstToken);
    expect(deps.vpp.callsOf('createUsers')).toEqual([]);
    expect(await deps.invitations.get(hashInvitationToken(firstToken))).toMatchObject({ state: 'voided' });
    expect(await deps.invitations.get(hashInvitationToken(secondToken))).toMatchObject({ state: 'active' });
  });

  it('reads the code of an Invited user from Apple when it is missing', async () => {
    await givenUsers(deps, account, { id: 'ana', status: 'Invited', inviteCode: undefined });
    deps.vpp.users = [{ clientUserId: 'ana', status: 'Registered', inviteCode: 'FROM-APPLE' }];
    await invite('ana');
    expect(deps.vpp.callsOf('readUsers')[0]?.args[0]).toEqual({ clientUserId: 'ana' });
    expect(deps.mailer.outbox).toHaveLength(1);
  });

  it('associates a Managed Apple Account at once, with no e-mail', async () => {
    await givenUsers(deps, account, {
      id: 'managed',
      email: undefined,
      managedAppleId: 'm@school.test',
      status: 'New',
      appleStatus: undefined,
      inviteCode: undefined,
    });
    const { job } = await invite('managed');
    expect(deps.vpp.callsOf('createUsers')[0]?.args[0]).toEqual([
      { clientUserId: 'managed', managedAppleId: 'm@school.test' },
    ]);
    await applyAppleUsers(deps, account, [{ clientUserId: 'managed', status: 'Associated' }]);
    expect(deps.mailer.outbox).toEqual([]);
    expect(await user('managed')).toMatchObject({ status: 'Associated' });
    expect(await deps.jobs.get(job.id)).toMatchObject({ state: 'succeeded' });
  });

  it("fails the users Apple refused, with Apple's number, and retries while Apple is busy", async () => {
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'New',
      appleStatus: undefined,
      inviteCode: undefined,
    });
    deps.vpp.on('createUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9646) }],
    }));
    const { job } = await requestInvitations(deps, orgAdmin, account.id, ['ana']);
    const [sent] = deps.queue.take('jobs');
    if (sent?.message.type !== 'invitation') throw new Error('no job');
    await expect(runInvitationJob(deps, sent.message, first)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await user('ana')).pending).toMatchObject({ kind: 'invitation' });
    deps.vpp.on('createUsers', async (_t, users) => ({
      events: [],
      rejected: [{ request: [...users], error: appleRefusal(9635) }],
    }));
    await runInvitationJob(deps, sent.message, first);
    expect((await user('ana')).pending).toBeUndefined();
    const failed = await deps.jobs.get(job.id);
    expect(failed).toMatchObject({ state: 'failed', failed: 1 });
    expect(failed?.failures[0]).toMatchObject({ subject: 'user:ana', appleError: { errorNumber: 9635 } });
  });

  it('retries while Apple is unreachable, and fails the users with the reason on the last delivery', async () => {
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'New',
      appleStatus: undefined,
      inviteCode: undefined,
    });
    const { job } = await requestInvitations(deps, orgAdmin, account.id, ['ana']);
    const [sent] = deps.queue.take('jobs');
    if (sent?.message.type !== 'invitation') throw new Error('no job');
    deps.vpp.fail('createUsers', vppFault('network'), 2);
    await expect(runInvitationJob(deps, sent.message, first)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await user('ana')).pending).toMatchObject({ kind: 'invitation', jobId: job.id });
    await runInvitationJob(deps, sent.message, { receiveCount: 5, maxReceiveCount: 5 });
    expect((await user('ana')).pending).toBeUndefined();
    expect(await deps.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      failures: [{ subject: 'user:ana', code: 'invitation.failed' }],
    });
  });

  it('fails every waiting user when the account may not write to Apple', async () => {
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'New',
      appleStatus: undefined,
      inviteCode: undefined,
    });
    const started = await requestInvitations(deps, orgAdmin, account.id, ['ana']);
    const read = must(await deps.accounts.get(account.id));
    await deps.accounts.update({ ...read, status: 'revoked' }, read);
    const [sent] = deps.queue.take('jobs');
    if (sent?.message.type !== 'invitation') throw new Error('no job');
    await runInvitationJob(deps, sent.message, first);
    expect(deps.vpp.calls).toEqual([]);
    expect(await deps.jobs.get(started.job.id)).toMatchObject({
      state: 'failed',
      failures: [{ code: 'invitation.failed' }],
    });
  });

  it('fails the item, and tells why, when the e-mail cannot be sent', async () => {
    await givenUsers(deps, account, { id: 'ana', status: 'Invited', inviteCode: 'C' });
    deps.mailer.failWith = new Error('SES refused');
    const { job } = await invite('ana');
    expect(await deps.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      failures: [{ code: 'mail.failed' }],
    });
  });

  it('never moves a user back on late news, moves forward and audits it, and asks for a reconciliation', async () => {
    await givenUsers(
      deps,
      account,
      { id: 'ana', status: 'Associated', appleStatus: 'Associated' },
      { id: 'ben', status: 'Retired', appleStatus: 'Retired' },
    );
    await applyAppleUsers(deps, account, [
      { clientUserId: 'ana', status: 'Registered', inviteCode: 'LATE' },
      { clientUserId: 'ben', status: 'Associated' },
    ]);
    expect(await user('ana')).toMatchObject({ status: 'Associated' });
    expect((await user('ana')).inviteCode).not.toBe('LATE');
    expect(await user('ben')).toMatchObject({ status: 'Retired' });
    expect(deps.queue.messages('jobs')).toEqual([]);
    await givenUsers(deps, account, { id: 'cy', status: 'Invited' });
    await applyAppleUsers(
      deps,
      account,
      [{ clientUserId: 'cy', status: 'Associated', idHash: 'h' }],
      'user.associated',
    );
    expect(await user('cy')).toMatchObject({ status: 'Associated', idHash: 'h' });
    expect(deps.audit.actions('user.associated')[0]?.details).toEqual({ from: 'Invited', to: 'Associated' });
    expect(deps.queue.messages('jobs')).toMatchObject([{ type: 'reconcile' }]);
  });

  it('ends a pending job item of each user it fails, once', async () => {
    await givenJob(deps, { id: 'job-i', type: 'invitation', requested: 1 });
    await givenUsers(deps, account, {
      id: 'ana',
      status: 'New',
      pending: { kind: 'invitation', jobId: 'job-i' },
    });
    await failUsers(deps, account, ['ana'], { errorNumber: 9609, errorMessage: 'unknown user' });
    await failUsers(deps, account, ['ana'], { errorNumber: 9609, errorMessage: 'unknown user' });
    expect(await deps.jobs.get('job-i')).toMatchObject({
      failed: 1,
      failures: [{ code: 'apple.user_not_found' }],
    });
  });
});

describe('followUserEvent', () => {
  let message: ParsedQueueMessage<'events'>;
  beforeEach(async () => {
    await givenJob(deps, { id: 'job-i', type: 'invitation', requested: 2 });
    await givenUsers(
      deps,
      account,
      {
        id: 'ana',
        status: 'New',
        appleStatus: undefined,
        inviteCode: undefined,
        pending: { kind: 'invitation', jobId: 'job-i', eventId: 'event-u' },
      },
      {
        id: 'ben',
        status: 'New',
        appleStatus: undefined,
        inviteCode: undefined,
        pending: { kind: 'invitation', jobId: 'job-i', eventId: 'event-u' },
      },
    );
    message = {
      orgId: account.orgId,
      accountId: account.id,
      eventId: 'event-u',
      eventType: 'CREATE',
      jobId: 'job-i',
      submittedAt: deps.clock.iso(),
      polls: 0,
    };
  });

  it('comes back while Apple says pending, and fails the users after 10 minutes', async () => {
    deps.vpp.endEvent('event-u', { state: 'pending', eventType: 'CREATE' });
    await followUserEvent(deps, message);
    expect(deps.queue.sent).toMatchObject([
      { queue: 'events', delaySeconds: deps.settings.eventPollIntervalSeconds, message: { polls: 1 } },
    ]);
    deps.clock.advance({ minutes: 10 });
    await followUserEvent(deps, message);
    expect(await deps.jobs.get('job-i')).toMatchObject({
      state: 'failed',
      failed: 2,
      failures: [{ code: 'apple.event_timeout' }, { code: 'apple.event_timeout' }],
    });
  });

  it("applies Apple's record of each user once the event has ended, and fails those Apple names", async () => {
    deps.vpp.endEvent('event-u', {
      state: 'partial',
      eventType: 'CREATE',
      failures: [
        {
          errorNumber: 9635,
          errorMessage: 'conflict',
          kind: 'apple_account_conflict',
          assets: [],
          clientUserIds: ['ben'],
          serialNumbers: [],
        },
      ],
    });
    deps.vpp.users = [{ clientUserId: 'ana', status: 'Registered', inviteCode: 'CODE-A' }];
    await followUserEvent(deps, message);
    expect(await user('ana')).toMatchObject({ status: 'Invited', inviteCode: 'CODE-A' });
    expect(deps.mailer.outbox.map((m) => m.to)).toEqual(['ana@example.test']);
    expect(await deps.jobs.get('job-i')).toMatchObject({
      state: 'partially_failed',
      completed: 1,
      failed: 1,
    });
  });

  it('fails a user Apple has no record of when it lost the event', async () => {
    deps.vpp.users = [{ clientUserId: 'ana', status: 'Registered', inviteCode: 'CODE-A' }];
    await followUserEvent(deps, message);
    expect((await deps.jobs.get('job-i'))?.failures).toMatchObject([
      { subject: 'user:ben', code: 'apple.event_lost' },
    ]);
  });
});

describe('the invitation link', () => {
  let token: string;
  beforeEach(async () => {
    await givenUsers(deps, account, { id: 'ana', status: 'Invited', inviteCode: 'CODE 1' });
    await invite('ana');
    token = linkToken();
  });

  it('shows a page naming the account with one button, using nothing, and saying nothing of the user', async () => {
    const page = await openInvitation(deps, token);
    const again = await openInvitation(deps, token);
    expect(page.status).toBe(200);
    expect(again.status).toBe(200);
    const html = 'html' in page ? page.html : '';
    expect(html).toContain('Main Office');
    expect(html).toContain('<form method="post">');
    expect(html).not.toContain('ana');
    expect(page).toMatchObject({ formTarget: 'https://apple.test' });
    expect(await deps.invitations.get(hashInvitationToken(token))).toMatchObject({ state: 'active' });
  });

  it("works again and again until Apple reports the user Associated, sending the person to Apple's invitation each time; then it is gone (410)", async () => {
    // Act: the person presses the button, drops out at Apple's sign-in, and comes back twice
    for (let i = 0; i < 3; i++)
      expect(await acceptInvitation(deps, token)).toEqual({
        status: 303,
        location: 'https://apple.test/invite?code=CODE%201',
      });
    // Assess: the link is still active, and the page still shows
    expect(await deps.invitations.get(hashInvitationToken(token))).toMatchObject({ state: 'active' });
    expect(await openInvitation(deps, token)).toMatchObject({ status: 200 });
    expect(deps.audit.actions('user.invitation_opened')).toHaveLength(3);
    // Act: Apple reports the user Associated (USER_ASSOCIATED)
    await applyAppleUsers(deps, account, [{ clientUserId: 'ana', status: 'Associated', idHash: 'h' }]);
    // Assess: the link is used up, and both pages say it has been accepted
    expect(await deps.invitations.get(hashInvitationToken(token))).toMatchObject({
      state: 'used',
      usedAt: deps.clock.iso(),
    });
    for (const answer of [await acceptInvitation(deps, token), await openInvitation(deps, token)]) {
      expect(answer).toMatchObject({ status: 410 });
      expect('html' in answer ? answer.html : '').toContain('already been accepted');
    }
    expect(deps.audit.actions('user.invitation_opened')).toHaveLength(3);
  });

  it('answers 410 for an expired link, 404 for an unknown one, and for a link whose user accepted otherwise or was retired', async () => {
    expect(await openInvitation(deps, 'not-a-token')).toMatchObject({ status: 404 });
    deps.clock.advance({ days: 30 });
    expect(await openInvitation(deps, token)).toMatchObject({ status: 410 });
    expect(await acceptInvitation(deps, token)).toMatchObject({ status: 410 });
    deps.clock.advance({ days: -30 });
    // Associated by the sync before any notification: gone too, and opening the page writes nothing.
    const ana = await user('ana');
    await deps.users.replace(ana, { ...ana, status: 'Associated' } as VppUser);
    expect(await openInvitation(deps, token)).toMatchObject({ status: 410 });
    expect(await acceptInvitation(deps, token)).toMatchObject({ status: 410 });
    expect(await deps.invitations.get(hashInvitationToken(token))).toMatchObject({ state: 'active' });
    // Retired meanwhile: nothing left to accept.
    const associated = await user('ana');
    await deps.users.replace(associated, { ...associated, status: 'Retired' } as VppUser);
    expect(await acceptInvitation(deps, token)).toMatchObject({ status: 410 });
  });
});
