/**
 * Invitations and retirements (SPEC §5.5, §4) in local mode against the simulator: registration at
 * Apple, the e-mail and its link (random, stored as a hash, once, 30 days, voided by a new one), the
 * pages, Associated on Apple's word, and retirement with books kept.
 */
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashInvitationToken } from '../../shared/domain/invitation.ts';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { countWrites } from '../support/write-counter.ts';

let rt: TestRuntime;
let accountId: string;
const APP = { adamId: '7000000001', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '7000000002', pricingParam: 'STDQ' as const };

async function addUser(email: string, extra: Record<string, unknown> = {}) {
  const answer = await rt.call('POST', `/v1/accounts/${accountId}/users`, {
    body: { email, name: 'Jo Pupil', ...extra },
  });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

const job = (id: string) => jobEnded(rt, id, 30_000);

async function mailTo(email: string, count = 1) {
  return eventually(
    async () => {
      const mails = (await rt.outbox()).filter((m) => m.destination.to.includes(email));
      return mails.length >= count ? mails : undefined;
    },
    30_000,
    `mail to ${email}`,
  );
}

const linkIn = (text: string | undefined) => {
  const match = /\/invitations\/([A-Za-z0-9_-]+)/.exec(text ?? '');
  if (!match?.[1]) throw new Error('no link');
  return match[1];
};

const page = (method: 'GET' | 'POST', token: string) =>
  fetch(`${rt.apiUrl}/invitations/${token}`, { method, redirect: 'manual' });

beforeAll(async () => {
  rt = await startTestRuntime({ simulator: { seed: 'demo', eventDelayMs: 30 } });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'inv-org',
        name: 'Invite District',
        managedAppleIdDomain: 'invite.appleaccount.example',
        locations: [
          {
            id: 'inv-main',
            name: 'Invite Main',
            assets: [
              { ...APP, productType: 'App', name: 'An App', totalCount: 50, deviceAssignable: false },
              { ...BOOK, productType: 'Book', name: 'A Book', totalCount: 50, deviceAssignable: false },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Riverside Academy', email: 'it@demo.test', token: seeded.locations[0]?.tokens[0] },
  });
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
});
afterAll(async () => {
  await rt?.stop();
});

describe('invitations', () => {
  let userId: string;
  let token: string;

  it('registers the user at Apple and e-mails a unique link naming the account', async () => {
    userId = await addUser('jo@pupils.test');
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [userId, 'ghost'] },
    });
    expect(invited.status).toBe(202);
    expect(invited.body.rejected).toEqual([
      expect.objectContaining({ subject: 'user:ghost', code: 'user.not_found' }),
    ]);
    expect(await job(invited.body.job.id)).toMatchObject({
      type: 'invitation',
      state: 'succeeded',
      completed: 1,
    });
    const [mail] = await mailTo('jo@pupils.test');
    expect(mail?.subject).toContain('Riverside Academy');
    expect(mail?.body.text).toContain('Riverside Academy');
    expect(mail?.body.html).toContain('Riverside Academy');
    token = linkIn(mail?.body.text);
    expect(linkIn(mail?.body.html)).toBe(token);
    // At least 128 bits of randomness (32 bytes in base64url), and only its hash is stored.
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    // No table holds the token itself: the link's record and the user keep only its hash.
    let stored = '';
    for (const table of Object.values(rt.tables))
      stored += JSON.stringify((await rt.clients.dynamo.send(new ScanCommand({ TableName: table }))).Items);
    expect(stored).not.toContain(token);
    expect(stored).toContain(hashInvitationToken(token));
    expect((await rt.deps.users.get(accountId, userId))?.invitationLink).toBe(hashInvitationToken(token));
    // Valid for 30 days from its making.
    const link = (
      await rt.clients.dynamo.send(
        new GetCommand({
          TableName: rt.tables.core,
          Key: { pk: `INVITATION#${hashInvitationToken(token)}`, sk: 'LINK' },
        }),
      )
    ).Item;
    expect(Date.parse(link?.expiresAt) - Date.parse(link?.createdAt)).toBe(30 * 86_400_000);
    expect((await rt.call('GET', `/v1/accounts/${accountId}/users/${userId}`)).body.status).toBe('Invited');
    const answers = JSON.stringify([
      (await rt.call('GET', `/v1/accounts/${accountId}/users/${userId}`)).body,
      (await rt.call('GET', `/v1/jobs/${invited.body.job.id}`)).body,
    ]);
    expect(answers).not.toContain(token);
    expect(
      (await rt.call('GET', '/v1/audit')).body.items.some(
        (e: { action: string }) => e.action === 'user.invited',
      ),
    ).toBe(true);
    expect(JSON.stringify((await rt.call('GET', '/v1/audit')).body)).not.toContain(token);
  });

  it('shows a page naming the account with one button; opening it twice uses nothing; it says nothing of the user', async () => {
    for (let i = 0; i < 2; i++) {
      const opened = await page('GET', token);
      expect(opened.status).toBe(200);
      const html = await opened.text();
      expect(html).toContain('Riverside Academy');
      expect(html.match(/<form/g)).toHaveLength(1);
      expect(html).toContain('<button');
      expect(html).not.toMatch(/jo@pupils|Jo Pupil/);
      expect(opened.headers.get('content-security-policy')).toContain('form-action');
    }
  });

  it('redirects (303) to Apple’s invitation with the user’s code, again after a drop-out at Apple’s sign-in', async () => {
    const user = await rt.deps.users.get(accountId, userId);
    for (let i = 0; i < 2; i++) {
      const accepted = await page('POST', token);
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toBe(
        `${rt.simulator.url}/invitation?inviteCode=${user?.inviteCode}`,
      );
      // The person opened Apple's page and left without accepting: the link still shows.
      expect((await fetch(accepted.headers.get('location') ?? '')).status).toBe(200);
      expect((await page('GET', token)).status).toBe(200);
    }
    const unknown = await page('GET', 'not-a-real-token');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('text/html');
    const unknownHtml = await unknown.text();
    expect(unknownHtml).toContain('not valid');
    expect(unknownHtml).not.toMatch(/jo@pupils|Jo Pupil|Riverside/);
  });

  it('becomes Associated when Apple says so, and the link is gone then (410)', async () => {
    rt.simulator.acceptInvitation('inv-main', userId, 'jo@icloud.example');
    await rt.simulator.settle();
    await eventually(
      async () =>
        (await rt.call('GET', `/v1/accounts/${accountId}/users/${userId}`)).body.status === 'Associated',
      20_000,
      'Associated',
    );
    const again = await page('GET', token);
    expect(again.status).toBe(410);
    const html = await again.text();
    expect(html).toContain('already been accepted');
    // The page says nothing about the user.
    expect(html).not.toMatch(/jo@pupils|Jo Pupil|Riverside/);
    expect((await page('POST', token)).status).toBe(410);
    expect((await rt.deps.invitations.get(hashInvitationToken(token)))?.state).toBe('used');
  });

  it('takes at most 1,000 users a call (400), and starts nothing then', async () => {
    const writes = countWrites(rt.clients.dynamo);
    const tooMany = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: Array.from({ length: 1_001 }, (_, i) => `u-${i}`) },
    });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body.error)).toContain('userIds');
    expect(writes.total()).toBe(0);
  });

  it('voids the old link when the user is invited again, and refuses an expired one', async () => {
    const other = await addUser('sam@pupils.test');
    const first = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [other] },
    });
    await job(first.body.job.id);
    const oldToken = linkIn((await mailTo('sam@pupils.test'))[0]?.body.text);
    const second = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [other] },
    });
    await job(second.body.job.id);
    const mails = await mailTo('sam@pupils.test', 2);
    const newToken =
      [linkIn(mails[0]?.body.text), linkIn(mails[1]?.body.text)].find((t) => t !== oldToken) ?? '';
    expect(newToken).not.toBe(oldToken);
    const voided = await page('GET', oldToken);
    expect(voided.status).toBe(410);
    expect(await voided.text()).toContain('replaced by a newer invitation');
    expect((await page('GET', newToken)).status).toBe(200);
    await rt.clients.dynamo.send(
      new UpdateCommand({
        TableName: rt.tables.core,
        Key: { pk: `INVITATION#${hashInvitationToken(newToken)}`, sk: 'LINK' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00.000Z' },
      }),
    );
    const expired = await page('POST', newToken);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
  });

  it('associates a Managed Apple Account of the organisation without an e-mail', async () => {
    const managed = await addUser('kim@school.test', { managedAppleId: 'kim@invite.appleaccount.example' });
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [managed] },
    });
    expect(await job(invited.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    expect((await rt.call('GET', `/v1/accounts/${accountId}/users/${managed}`)).body.status).toBe(
      'Associated',
    );
    expect((await rt.outbox()).filter((m) => m.destination.to.includes('kim@school.test'))).toHaveLength(0);
  });

  it('still delivers when Apple’s notifications are lost (the event is polled)', async () => {
    rt.simulator.setFaults({ notifications: { dropAll: true } });
    const quiet = await addUser('lee@pupils.test');
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [quiet] },
    });
    expect(await job(invited.body.job.id)).toMatchObject({ state: 'succeeded' });
    await mailTo('lee@pupils.test');
    rt.simulator.clearFaults();
  });

  it('refuses what cannot be invited, and a viewer', async () => {
    const refused = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [userId] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rejected[0].code).toBe('user.already_associated');
    const viewer = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      as: { org: 'demo', role: 'viewer', email: 'v@demo.test' },
      body: { userIds: [userId] },
    });
    expect(viewer.status).toBe(403);
  });
});

describe('retirements', () => {
  it('takes back revocable licences with Apple’s revoke, retires at Apple, and reports the books kept', async () => {
    const userId = await addUser('ret@pupils.test', { managedAppleId: 'ret@invite.appleaccount.example' });
    await job(
      (await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, { body: { userIds: [userId] } }))
        .body.job.id,
    );
    for (const asset of [APP, BOOK]) {
      const granted = await rt.call('POST', `/v1/accounts/${accountId}/assets/${asset.adamId}/grants`, {
        body: { userIds: [userId] },
      });
      expect(granted.status).toBe(202);
      expect((await job(granted.body.job.id)).state).toBe('succeeded');
    }
    rt.simulator.resetCalls();
    const retired = await rt.call('POST', `/v1/accounts/${accountId}/users/retirements`, {
      body: { userIds: [userId] },
    });
    expect(retired.status).toBe(202);
    expect(retired.body.job.summary).toMatchObject({ users: 1, licencesToRevoke: 1, booksKept: 1 });
    const done = await job(retired.body.job.id);
    expect(done).toMatchObject({ type: 'retirement', state: 'succeeded', completed: 2 });
    expect(rt.simulator.calls()['POST assets/revoke']).toBe(1);
    expect(rt.simulator.calls()['POST users/retire']).toBe(1);
    expect((await rt.call('GET', `/v1/accounts/${accountId}/users/${userId}`)).body.status).toBe('Retired');
    expect((await rt.deps.assignments.get(accountId, APP.adamId, 'STDQ', 'user', userId))?.state).toBe(
      'revoked',
    );
    expect((await rt.deps.assignments.get(accountId, BOOK.adamId, 'STDQ', 'user', userId))?.state).toBe(
      'granted',
    );
    const audit = (await rt.call('GET', '/v1/audit')).body.items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['user.retirements_requested', 'user.retired']));
  });

  it('brings a retired user back by an invitation (registered at Apple again), and refuses their e-mail as a new user', async () => {
    // Prepare: a user invited, accepted and retired
    const userId = await addUser('back@pupils.test');
    await job(
      (await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, { body: { userIds: [userId] } }))
        .body.job.id,
    );
    rt.simulator.acceptInvitation('inv-main', userId, 'back@icloud.example');
    await rt.simulator.settle();
    await eventually(
      async () => (await rt.deps.users.get(accountId, userId))?.status === 'Associated',
      20_000,
      'Associated',
    );
    const retired = await rt.call('POST', `/v1/accounts/${accountId}/users/retirements`, {
      body: { userIds: [userId] },
    });
    expect((await job(retired.body.job.id)).state).toBe('succeeded');
    // Act: the same e-mail as a new user
    const again = await rt.call('POST', `/v1/accounts/${accountId}/users`, {
      body: { email: 'Back@Pupils.test' },
    });
    // Assess: 409 naming the retired user, saying to invite them
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('user.retired_exists');
    expect(again.body.error.message).toContain(userId);
    expect(again.body.error.message).toContain('invite them');
    // Act: invite the retired user
    const invited = await rt.call('POST', `/v1/accounts/${accountId}/users/invitations`, {
      body: { userIds: [userId] },
    });
    expect(invited.status).toBe(202);
    expect(invited.body.rejected).toEqual([]);
    expect(await job(invited.body.job.id)).toMatchObject({ state: 'succeeded', completed: 1 });
    // Assess: the same user, Invited again, a second e-mail with a working link; Apple has a new entry
    const user = (await rt.call('GET', `/v1/accounts/${accountId}/users/${userId}`)).body;
    expect(user).toMatchObject({ id: userId, status: 'Invited', email: 'back@pupils.test' });
    const links = (await mailTo('back@pupils.test', 2)).map((m) => linkIn(m.body.text));
    const current = (await rt.deps.users.get(accountId, userId))?.invitationLink;
    const fresh = links.find((t) => hashInvitationToken(t) === current) ?? '';
    expect((await page('GET', fresh)).status).toBe(200);
    const entries = rt.simulator
      .snapshot()
      .locations.flatMap((l) => l.users)
      .filter((u) => u.clientUserId === userId)
      .map((u) => u.status);
    expect(entries).toEqual(['Retired', 'Registered']);
    const trail = (await rt.call('GET', '/v1/audit')).body.items
      .filter((e: { target: string }) => e.target === `user:${accountId}/${userId}`)
      .map((e: { action: string }) => e.action);
    expect(trail).toEqual(
      expect.arrayContaining([
        'user.created',
        'user.associated',
        'user.retired',
        'user.returning',
        'user.returned',
      ]),
    );
    // And they can accept again.
    rt.simulator.acceptInvitation('inv-main', userId, 'back@icloud.example');
    await rt.simulator.settle();
    await eventually(
      async () => (await rt.deps.users.get(accountId, userId))?.status === 'Associated',
      20_000,
      'Associated again',
    );
  });
});
