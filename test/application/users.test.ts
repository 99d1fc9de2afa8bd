/**
 * VPP users through the API, in local mode against the Apple simulator (SPEC §3 VPP user, §4 users):
 * adding, listing with each filter and paging, reading with licences, changing (an e-mail of a user
 * registered at Apple reaches Apple), the CSV import with every reason a row is refused, the limits,
 * and who may do what. Every refused request is shown to change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRepository } from '../../shared/application/ports/user-repository.ts';
import { importUsers } from '../../shared/application/users/import-users.ts';
import type { AssignmentRecord } from '../../shared/domain/assignment.ts';
import type { Principal } from '../../shared/domain/principal.ts';
import type { VppUser } from '../../shared/domain/vpp-user.ts';
import {
  type Caller,
  eventually,
  ORG_ADMIN,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let rt: TestRuntime;
let north: string;
let south: string;

const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const LISTED_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'listed@demo.test' };
const OTHER_ADMIN: Caller = { org: 'demo', role: 'admin', email: 'other@demo.test' };
const OTHER_ORG: Caller = { org: 'acme', role: 'org-admin', email: 'boss@acme.test' };

const users = (accountId = north) => `/v1/accounts/${accountId}/users`;
let serial = 0;
/** A fresh e-mail, so tests sharing the account never collide. */
const fresh = (label: string) => `${label}-${++serial}@users.test`;

async function addAccount(location: string) {
  const created = await rt.call('POST', '/v1/accounts', {
    body: {
      name: location,
      email: 'it@demo.test',
      token: rt.tokenFile(location),
      allowedAdmins: [LISTED_ADMIN.email],
    },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(id))?.lastFullSyncAt, 30_000, 'the first sync');
  return id;
}

async function create(body: Record<string, unknown>, as: Caller = ORG_ADMIN, accountId = north) {
  return rt.call('POST', users(accountId), { as, body });
}

async function importCsv(text: string, options: { as?: Caller; contentType?: string } = {}) {
  return rt.call('POST', `${users()}/import`, {
    as: options.as ?? ORG_ADMIN,
    raw: text,
    headers: { 'content-type': options.contentType ?? 'text/csv' },
  });
}

/** A user's content; the write counter moves when a refused change is undone. */
const content = (user: VppUser | undefined) => {
  if (!user) return user;
  const { version: _, ...rest } = user;
  return rest;
};

/** Users, the newest audit entry and Apple's write calls: what a refused request must leave alone. */
async function state() {
  const all = [...(await rt.deps.users.listByAccount(north)), ...(await rt.deps.users.listByAccount(south))];
  return {
    users: all.sort((a, b) => a.id.localeCompare(b.id)).map(content),
    lastAudit: (await rt.deps.audit.list('demo', { limit: 1 })).items[0]?.id,
    appleWrites: Object.entries(rt.simulator.calls())
      .filter(([k]) => k.startsWith('POST'))
      .reduce((n, [, v]) => n + v, 0),
  };
}

async function expectUnchanged(act: () => Promise<unknown>) {
  const before = await state();
  await act();
  expect(await state()).toEqual(before);
}

const lastAudit = async () => (await rt.deps.audit.list('demo', { limit: 1 })).items[0];

beforeAll(async () => {
  rt = await startTestRuntime();
  north = await addAccount('demo-north');
  south = await addAccount('demo-south');
});
afterAll(async () => {
  await rt?.stop();
});

describe('adding a user', () => {
  it('adds a New user with a fresh id, lower-case e-mail and tidy tags, and records it', async () => {
    // Act
    const answer = await create({
      email: 'Jo.Smith@Users.TEST',
      name: '  Jo Smith ',
      managedAppleId: 'Jo.Smith@demo.appleaccount.example',
      tags: ['year-7', ' art ', 'year-7'],
    });
    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'jo.smith@users.test',
      name: 'Jo Smith',
      managedAppleId: 'jo.smith@demo.appleaccount.example',
      tags: ['year-7', 'art'],
      status: 'New',
      source: 'api',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await rt.deps.users.get(north, answer.body.id)).toMatchObject({ status: 'New', source: 'api' });
    expect(await lastAudit()).toMatchObject({
      action: 'user.created',
      target: `user:${north}/${answer.body.id}`,
      result: 'succeeded',
      actor: { type: 'user', email: ORG_ADMIN.email },
    });
  });

  it('asks nothing of Apple: the user is registered there by an invitation', async () => {
    rt.simulator.resetCalls();
    expect((await create({ email: fresh('quiet') })).status).toBe(201);
    expect(rt.simulator.calls()).toEqual({});
  });

  it('refuses an e-mail the account already has, in any letter case (409 user.email_taken)', async () => {
    const email = fresh('twice');
    expect((await create({ email })).status).toBe(201);
    await expectUnchanged(async () => {
      const again = await create({ email: email.toUpperCase() });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('user.email_taken');
    });
  });

  it('allows the same e-mail in another account', async () => {
    const email = fresh('both');
    expect((await create({ email })).status).toBe(201);
    expect((await create({ email }, ORG_ADMIN, south)).status).toBe(201);
  });

  it.each([
    ['no e-mail', { name: 'X' }],
    ['a bad e-mail', { email: 'not-an-email' }],
    ['a bad Managed Apple Account', { email: 'a@users.test', managedAppleId: 'jo at school' }],
    ['an empty name', { email: 'a@users.test', name: '  ' }],
    ['a name over 200 characters', { email: 'a@users.test', name: 'x'.repeat(201) }],
    ['a tag with ";"', { email: 'a@users.test', tags: ['a;b'] }],
    ['tags that are not a list', { email: 'a@users.test', tags: 'art' }],
    ['more than 50 tags', { email: 'a@users.test', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }],
    ['an unknown field', { email: 'a@users.test', status: 'Associated' }],
  ])('refuses %s (400) and adds nothing', async (_name, body) => {
    await expectUnchanged(async () => {
      const answer = await create(body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('request.invalid');
    });
  });
});

describe('listing users', () => {
  const tag = `list-${Date.now()}`;
  const emails = [fresh('list-a'), fresh('list-b'), fresh('list-c'), fresh('list-d'), fresh('list-e')];

  beforeAll(async () => {
    for (const [i, email] of emails.entries()) {
      expect((await create({ email, tags: i % 2 === 0 ? [tag] : ['other'] })).status).toBe(201);
    }
  });

  it('lists every user of the account, those found at Apple too, without Apple secrets', async () => {
    const answer = await rt.call('GET', `${users()}?limit=1000`);
    expect(answer.status).toBe(200);
    const listed = answer.body.items as Record<string, unknown>[];
    expect(listed.map((u) => u.email)).toEqual(expect.arrayContaining(emails));
    expect(listed.find((u) => u.id === 'n-0002')).toMatchObject({ source: 'apple', status: 'Invited' });
    expect(listed.length).toBe((await rt.deps.users.listByAccount(north)).length);
    for (const user of listed) {
      expect(user).not.toHaveProperty('inviteCode');
      expect(user).not.toHaveProperty('idHash');
    }
    expect(answer.body.nextCursor).toBeUndefined();
  });

  it.each(['New', 'Invited', 'Associated', 'Retired'] as const)('filters by status %s', async (status) => {
    const answer = await rt.call('GET', `${users()}?status=${status}&limit=1000`);
    expect(answer.status).toBe(200);
    const expected = (await rt.deps.users.listByAccount(north)).filter((u) => u.status === status);
    expect(expected.length).toBeGreaterThan(0);
    expect(answer.body.items.map((u: { id: string }) => u.id).sort()).toEqual(
      expected.map((u) => u.id).sort(),
    );
  });

  it('filters by e-mail: exact, in any letter case', async () => {
    const [email] = emails;
    const exact = await rt.call('GET', `${users()}?email=${encodeURIComponent(email?.toUpperCase() ?? '')}`);
    expect(exact.body.items.map((u: { email: string }) => u.email)).toEqual([email]);
    const partial = await rt.call('GET', `${users()}?email=${encodeURIComponent(email?.slice(0, 6) ?? '')}`);
    expect(partial.body.items).toEqual([]);
  });

  it('filters by tag', async () => {
    const answer = await rt.call('GET', `${users()}?tag=${tag}`);
    expect(answer.body.items.map((u: { email: string }) => u.email).sort()).toEqual(
      [emails[0], emails[2], emails[4]].sort(),
    );
  });

  it('combines filters', async () => {
    const answer = await rt.call('GET', `${users()}?tag=${tag}&status=Invited`);
    expect(answer.body.items).toEqual([]);
  });

  it('pages with limit and cursor: every user once, sorted by e-mail', async () => {
    const all = (await rt.call('GET', `${users()}?limit=1000`)).body.items as {
      id: string;
      email?: string;
    }[];
    const seen: { id: string; email?: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await rt.call(
        'GET',
        `${users()}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...answer.body.items);
      cursor = answer.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
    const emailsInOrder = seen.map((u) => u.email ?? '');
    expect(emailsInOrder).toEqual([...emailsInOrder].sort());
  });

  it.each([
    ['a cursor that is not ours', 'cursor=not-a-cursor', 'cursor.invalid'],
    ['a limit of 0', 'limit=0', 'request.invalid'],
    ['an unknown status', 'status=Active', 'request.invalid'],
  ])('refuses %s (400)', async (_name, query, code) => {
    const answer = await rt.call('GET', `${users()}?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
  });
});

describe('reading a user', () => {
  const record = (userId: string, adamId: string, state: AssignmentRecord['state']): AssignmentRecord => {
    const now = new Date().toISOString();
    return {
      orgId: 'demo',
      accountId: north,
      adamId,
      pricingParam: 'STDQ',
      subjectType: 'user',
      subjectId: userId,
      state,
      source: state === 'pending-grant' ? 'deployment' : 'manual',
      createdAt: now,
      updatedAt: now,
    };
  };

  it('shows the licences the user holds or is about to hold, each by its asset’s name, not those revoked or failed', async () => {
    // Prepare
    const user = (await create({ email: fresh('holder') })).body;
    await rt.deps.assignments.putMany([
      record(user.id, '361309726', 'granted'),
      record(user.id, '361285480', 'pending-grant'),
      record(user.id, '1573390011', 'pending-revoke'),
      record(user.id, '908519492', 'revoked'),
      record(user.id, '1488921517', 'failed'),
    ]);
    // Act
    const answer = await rt.call('GET', `${users()}/${user.id}`);
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      ...user,
      licenses: [
        {
          adamId: '1573390011',
          pricingParam: 'STDQ',
          name: 'Lingo Notes',
          productType: 'App',
          state: 'pending-revoke',
          source: 'manual',
        },
        {
          adamId: '361285480',
          pricingParam: 'STDQ',
          name: 'Keynote',
          productType: 'App',
          state: 'pending-grant',
          source: 'deployment',
        },
        {
          adamId: '361309726',
          pricingParam: 'STDQ',
          name: 'Pages',
          productType: 'App',
          state: 'granted',
          source: 'manual',
        },
      ],
    });
  });

  it('shows what a user found at Apple holds, and never its invitation code or idHash', async () => {
    const stored = await rt.deps.users.get(north, 'n-0002');
    expect(stored?.inviteCode).toBeDefined();
    const invited = await rt.call('GET', `${users()}/n-0002`);
    expect(invited.status).toBe(200);
    expect(invited.body).not.toHaveProperty('inviteCode');
    expect(invited.body).not.toHaveProperty('idHash');
    expect(invited.body.licenses).toEqual([]);

    const holder = await rt.call('GET', `${users()}/n-0001`);
    expect(holder.body.licenses).toEqual(
      expect.arrayContaining([
        {
          adamId: '1573390011',
          pricingParam: 'STDQ',
          name: 'Lingo Notes',
          productType: 'App',
          state: 'granted',
          source: 'apple',
        },
      ]),
    );
    expect(holder.body).not.toHaveProperty('idHash');
  });

  it('answers 404 for an unknown user and for a user of another account', async () => {
    const unknown = await rt.call('GET', `${users()}/no-such-user`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('user.not_found');
    const southUser = await rt.call('GET', `${users()}/s-0001`);
    expect(southUser.status).toBe(404);
    expect((await rt.call('GET', `${users(south)}/s-0001`)).status).toBe(200);
  });
});

describe('changing a user', () => {
  const patch = (userId: string, body: unknown, as: Caller = ORG_ADMIN, accountId = north) =>
    rt.call('PATCH', `${users(accountId)}/${userId}`, { as, body });

  it('changes name and tags here only, and records what changed', async () => {
    const user = (await create({ email: fresh('rename'), name: 'Old', tags: ['a'] })).body;
    rt.simulator.resetCalls();
    const answer = await patch(user.id, { name: 'New Name', tags: ['b', 'c'] });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: user.id, name: 'New Name', tags: ['b', 'c'], email: user.email });
    expect(await rt.deps.users.get(north, user.id)).toMatchObject({ name: 'New Name', tags: ['b', 'c'] });
    expect(await lastAudit()).toMatchObject({
      action: 'user.updated',
      target: `user:${north}/${user.id}`,
      details: { changed: ['name', 'tags'] },
    });
    expect(rt.simulator.calls()).toEqual({});
  });

  it('removes the name with null', async () => {
    const user = (await create({ email: fresh('unname'), name: 'Gone Soon' })).body;
    const answer = await patch(user.id, { name: null });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('name');
    expect((await rt.deps.users.get(north, user.id))?.name).toBeUndefined();
  });

  it('writes nothing when nothing changes', async () => {
    const user = (await create({ email: fresh('same'), name: 'Same', tags: ['x', 'y'] })).body;
    await expectUnchanged(async () => {
      const answer = await patch(user.id, {
        name: 'Same',
        tags: ['y', 'x'],
        email: user.email.toUpperCase(),
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(user);
    });
  });

  it('moves the e-mail claim of a New user, without asking Apple', async () => {
    const oldEmail = fresh('before');
    const newEmail = fresh('after');
    const user = (await create({ email: oldEmail })).body;
    rt.simulator.resetCalls();
    const answer = await patch(user.id, { email: newEmail.toUpperCase() });
    expect(answer.status).toBe(200);
    expect(answer.body.email).toBe(newEmail);
    expect((await rt.deps.users.findByEmail(north, newEmail))?.id).toBe(user.id);
    expect(await rt.deps.users.findByEmail(north, oldEmail)).toBeUndefined();
    expect(rt.simulator.calls()).toEqual({});
    // The old e-mail is free again.
    expect((await create({ email: oldEmail })).status).toBe(201);
  });

  it("refuses another user's e-mail (409 user.email_taken) and changes nothing", async () => {
    const taken = fresh('taken');
    await create({ email: taken });
    const user = (await create({ email: fresh('wants') })).body;
    await expectUnchanged(async () => {
      const answer = await patch(user.id, { email: taken, name: 'Also This' });
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('user.email_taken');
    });
  });

  it('sends the new e-mail of a user registered at Apple as an update, without waiting for it', async () => {
    // Prepare: n-0002 came from Apple by the first sync, as Invited.
    expect((await rt.deps.users.get(north, 'n-0002'))?.status).toBe('Invited');
    rt.simulator.resetCalls();
    // Act
    const answer = await patch('n-0002', { email: 'Ben.New@Demo-School.example' });
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ email: 'ben.new@demo-school.example', status: 'Invited' });
    expect(rt.simulator.calls()['POST users/update']).toBe(1);
    await rt.simulator.settle();
    const atApple = rt.simulator
      .snapshot()
      .locations.find((l) => l.id === 'demo-north')
      ?.users.find((u) => u.clientUserId === 'n-0002');
    expect(atApple?.email).toBe('ben.new@demo-school.example');
    expect(await lastAudit()).toMatchObject({
      action: 'user.updated',
      details: { changed: ['email'], appleEventId: expect.any(String) },
    });
  });

  it('sends the new e-mail of a user made Invited here, too', async () => {
    const created = (await create({ email: fresh('invited') })).body;
    const before = (await rt.deps.users.get(north, created.id)) as VppUser;
    await rt.deps.users.putMany([{ before, after: { ...before, status: 'Invited' } }]);
    rt.simulator.resetCalls();
    const answer = await patch(created.id, { email: fresh('invited-new') });
    expect(answer.status).toBe(200);
    expect(rt.simulator.calls()['POST users/update']).toBe(1);
  });

  it('undoes the change when Apple refuses the update (502 apple.update_refused)', async () => {
    rt.simulator.setFaults({
      rules: [{ endpoint: 'POST users/update', kind: 'server_error', status: 400, errorNumber: 9717 }],
    });
    try {
      const before = await state();
      const answer = await patch('n-0003', { email: fresh('refused'), tags: ['kept?'] });
      expect(answer.status).toBe(502);
      expect(answer.body.error).toMatchObject({
        code: 'apple.update_refused',
        details: { appleError: { errorNumber: 9717 } },
      });
      const after = await state();
      expect(after.users).toEqual(before.users);
      expect(after.lastAudit).toBe(before.lastAudit);
      expect(await rt.deps.users.findByEmail(north, 'carla.souza@demo-school.example')).toMatchObject({
        id: 'n-0003',
      });
    } finally {
      rt.simulator.clearFaults();
    }
  });

  it('refuses when Apple no longer accepts the token, and the account says so (422 token.revoked)', async () => {
    // Prepare: the south campus's token is revoked at Apple.
    rt.simulator.revokeToken(rt.tokenFile('demo-south'));
    const before = await rt.deps.users.get(south, 's-0002');
    // Act
    const answer = await patch('s-0002', { email: fresh('south') }, ORG_ADMIN, south);
    // Assess
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('token.revoked');
    expect(content(await rt.deps.users.get(south, 's-0002'))).toEqual(content(before));
    expect((await rt.deps.accounts.get(south))?.status).toBe('revoked');
    // A blocked account writes nothing to Apple until an admin acts.
    rt.simulator.resetCalls();
    const blocked = await patch('s-0002', { email: fresh('south') }, ORG_ADMIN, south);
    expect(blocked.status).toBe(422);
    expect(blocked.body.error.code).toBe('account.revoked');
    expect(rt.simulator.calls()).toEqual({});
    expect(content(await rt.deps.users.get(south, 's-0002'))).toEqual(content(before));
    // Name and tags stay local, so they still change.
    expect((await patch('s-0002', { name: 'Farid' }, ORG_ADMIN, south)).status).toBe(200);
  });

  it.each([
    ['an empty body', {}],
    ['a bad e-mail', { email: 'nope' }],
    ['a field that cannot change here', { status: 'Retired' }],
    ['a Managed Apple Account', { managedAppleId: 'x@demo.appleaccount.example' }],
  ])('refuses %s (400) and changes nothing', async (_name, body) => {
    const user = (await create({ email: fresh('bad-patch') })).body;
    await expectUnchanged(async () => {
      const answer = await patch(user.id, body);
      expect(answer.status).toBe(400);
    });
  });

  it('answers 404 for an unknown user', async () => {
    const answer = await patch('no-such-user', { name: 'X' });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('user.not_found');
  });
});

describe('who may do what: SPEC §4', () => {
  let userId: string;
  beforeAll(async () => {
    userId = (await create({ email: fresh('guarded') })).body.id;
  });

  const writes = () =>
    [
      ['POST', users(), { email: fresh('w') }],
      ['PATCH', `${users()}/${userId}`, { name: 'W' }],
    ] as const;

  it('a viewer reads but may not add, import or change (403)', async () => {
    expect((await rt.call('GET', users(), { as: VIEWER })).status).toBe(200);
    expect((await rt.call('GET', `${users()}/${userId}`, { as: VIEWER })).status).toBe(200);
    await expectUnchanged(async () => {
      for (const [method, path, body] of writes()) {
        const answer = await rt.call(method, path, { as: VIEWER, body });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body.error.code).toBe('auth.forbidden');
      }
      const imported = await importCsv(`email\n${fresh('v')}\n`, { as: VIEWER });
      expect(imported.status).toBe(403);
    });
  });

  it('an admin the account lists may add, import and change', async () => {
    expect((await create({ email: fresh('listed') }, LISTED_ADMIN)).status).toBe(201);
    expect((await importCsv(`email\n${fresh('listed')}\n`, { as: LISTED_ADMIN })).status).toBe(201);
    expect(
      (await rt.call('PATCH', `${users()}/${userId}`, { as: LISTED_ADMIN, body: { name: 'L' } })).status,
    ).toBe(200);
  });

  it.each([
    ['an admin the account does not list', OTHER_ADMIN],
    ['another organisation', OTHER_ORG],
  ])('for %s the account does not exist (404)', async (_name, as) => {
    await expectUnchanged(async () => {
      for (const [method, path, body] of [
        ['GET', users(), undefined],
        ['GET', `${users()}/${userId}`, undefined],
        ...writes(),
      ] as const) {
        const answer = await rt.call(method, path, { as, ...(body ? { body } : {}) });
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body.error.code).toBe('account.not_found');
      }
      expect((await importCsv(`email\n${fresh('x')}\n`, { as })).status).toBe(404);
    });
  });
});

describe('importing users from CSV', () => {
  it('adds every row of a spreadsheet export: BOM, CRLF, quotes, tags with ";", any column order', async () => {
    // Prepare
    const [a, b, c] = [fresh('imp'), fresh('imp'), fresh('imp')];
    const file = [
      '\uFEFFtags,Email,name,managedAppleId',
      `year-7;art; year-7,${a.toUpperCase()},"Smith, Jo",jo.smith@demo.appleaccount.example`,
      `,${b},"Said ""Hi"" O'Neil",`,
      '',
      `music,${c},,`,
      '',
    ].join('\r\n');
    // Act
    const answer = await importCsv(file);
    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body.rejected).toEqual([]);
    expect(answer.body.added).toEqual([
      expect.objectContaining({
        email: a,
        name: 'Smith, Jo',
        managedAppleId: 'jo.smith@demo.appleaccount.example',
        tags: ['year-7', 'art'],
        status: 'New',
        source: 'import',
      }),
      expect.objectContaining({ email: b, name: 'Said "Hi" O\'Neil', tags: [] }),
      expect.objectContaining({ email: c, tags: ['music'] }),
    ]);
    expect(answer.body.added[2]).not.toHaveProperty('name');
    for (const user of answer.body.added) {
      expect(await rt.deps.users.get(north, user.id)).toMatchObject({ source: 'import', status: 'New' });
    }
    const audit = await lastAudit();
    expect(audit).toMatchObject({
      action: 'user.imported',
      target: `account:${north}`,
      result: 'succeeded',
      details: { rows: 3, added: 3, rejected: 0 },
    });
    expect(JSON.stringify(audit?.details)).not.toContain('@');
  });

  it('reports every bad row with its line and reason, and adds the good ones', async () => {
    // Prepare
    const present = fresh('present');
    await create({ email: present });
    const [good1, good2, dup] = [fresh('good'), fresh('good'), fresh('dup')];
    const file = [
      'name,email,managedAppleId,tags', // 1
      `One,${good1},,`, // 2
      'Bad,not-an-email,,', // 3
      'Empty,,,', // 4
      'Short Row', // 5
      `Bad Apple,${fresh('apple')},not an apple account,`, // 6
      `Dup,${dup},,`, // 7
      `Dup Again,${dup.toUpperCase()},,`, // 8
      `Here,${present},,`, // 9
      `Extra,${fresh('extra')},,,surplus`, // 10
      `Long Tag,${fresh('tag')},,${'t'.repeat(65)}`, // 11
      '', // 12
      `"Two
Lines",${fresh('multi')},,`, // 13-14
      `Long Name,${fresh('name')},,`.replace('Long Name', 'n'.repeat(201)), // 15
      `Two,${good2},,`, // 16
    ].join('\n');
    // Act
    const answer = await importCsv(file);
    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body.added.map((u: { email: string }) => u.email)).toEqual([
      good1,
      dup,
      expect.stringContaining('multi-'),
      good2,
    ]);
    expect(answer.body.added[2].name).toBe('Two\nLines');
    expect(answer.body.rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [3, 'import.email_invalid'],
      [4, 'import.email_invalid'],
      [5, 'import.missing_column'],
      [6, 'import.managed_apple_id_invalid'],
      [8, 'import.duplicate_in_file'],
      [9, 'import.already_present'],
      [10, 'import.extra_column'],
      [11, 'import.tags_invalid'],
      [15, 'import.name_invalid'],
    ]);
    expect(answer.body.rejected[0]).toEqual({
      line: 3,
      email: 'not-an-email',
      code: 'import.email_invalid',
      reason: expect.stringMatching(/not a valid e-mail/),
    });
    expect(answer.body.rejected[1]).not.toHaveProperty('email');
    expect(answer.body.rejected[4]).toMatchObject({
      email: dup.toUpperCase(),
      reason: expect.stringContaining('line 7'),
    });
    expect(answer.body.rejected[5]).toMatchObject({ email: present });
    expect(await lastAudit()).toMatchObject({
      action: 'user.imported',
      details: {
        rows: 13,
        added: 4,
        rejected: 9,
        rejectedBy: expect.objectContaining({ 'import.email_invalid': 2, 'import.already_present': 1 }),
      },
    });
  });

  it('counts lines the way an editor does: CR line ends, and CRLF inside a quoted cell', async () => {
    const answer = await importCsv(
      ['email,name', `${fresh('cr')},"A\r\nB"`, 'bad,x', '', `${fresh('cr')},y`, 'worse,z'].join('\r'),
    );
    expect(answer.status).toBe(201);
    expect(answer.body.rejected.map((r: { line: number }) => r.line)).toEqual([4, 7]);
  });

  it('adds nothing from a file with no good row (422 import.no_valid_rows, with the reasons)', async () => {
    const present = fresh('present');
    await create({ email: present });
    await expectUnchanged(async () => {
      const answer = await importCsv(
        `email,name\n${present},Here\nnope,Bad\n${present.toUpperCase()},Again\n`,
      );
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('import.no_valid_rows');
      expect(answer.body.error.details.rejected).toEqual([
        expect.objectContaining({ line: 2, code: 'import.already_present' }),
        expect.objectContaining({ line: 3, code: 'import.email_invalid' }),
        expect.objectContaining({ line: 4, code: 'import.already_present' }),
      ]);
      expect(answer.body.error.details.rejectedCount).toBe(3);
    });
  });

  it('lists the first 20 rejected rows of a file with no good row, and counts them all', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `bad-${i},Bad`).join('\n');
    await expectUnchanged(async () => {
      const answer = await importCsv(`email,name\n${rows}\n`);
      expect(answer.status).toBe(422);
      expect(answer.body.error.details.rejected).toHaveLength(20);
      expect(answer.body.error.details.rejected[19]).toMatchObject({
        line: 21,
        code: 'import.email_invalid',
      });
      expect(answer.body.error.details.rejectedCount).toBe(300);
      expect(JSON.stringify(answer.body).length).toBeLessThan(8_000);
    });
  });

  it('adds nothing from a file with a header only (422)', async () => {
    await expectUnchanged(async () => {
      const answer = await importCsv('email,name,managedAppleId,tags\r\n\r\n');
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: 'import.no_valid_rows', details: { rejected: [] } });
    });
  });

  it('reports an e-mail another request took meanwhile as already present', async () => {
    // Prepare: the account's list is read before another request adds the same e-mail.
    const raced = fresh('raced');
    await create({ email: raced });
    const real = rt.deps.users;
    const stale: UserRepository = {
      listByAccount: async () => [],
      get: (a, u) => real.get(a, u),
      getMany: (a, u) => real.getMany(a, u),
      findByEmail: (a, e) => real.findByEmail(a, e),
      countNotRetired: (a) => real.countNotRetired(a),
      addMany: (u) => real.addMany(u),
      saveFromApple: (u) => real.saveFromApple(u),
      putMany: (c) => real.putMany(c),
      replace: (b, a) => real.replace(b, a),
    };
    const principal: Principal = { userId: 'u-1', email: ORG_ADMIN.email, orgId: 'demo', role: 'org-admin' };
    const other = fresh('other');
    // Act
    const result = await importUsers(
      { ...rt.deps, users: stale },
      principal,
      north,
      `email\n${raced}\n${other}\n`,
    );
    // Assess
    expect(result.added.map((u) => u.email)).toEqual([other]);
    expect(result.rejected).toEqual([
      { line: 2, email: raced, code: 'import.already_present', reason: expect.any(String) },
    ]);
  });

  it.each([
    ['no email column', 'name,tags\nJo,a\n'],
    ['an unknown column', 'email,phone\na@users.test,123\n'],
    ['a column twice', 'email,Email\na@users.test,b@users.test\n'],
    ['semicolons between columns', 'email;name\na@users.test;Jo\n'],
    ['no header at all', '\r\n\r\n'],
  ])('refuses a file with %s (400 import.header_invalid)', async (_name, file) => {
    await expectUnchanged(async () => {
      const answer = await importCsv(file);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('import.header_invalid');
    });
  });

  it('refuses a file with a quote left open (400 import.malformed)', async () => {
    await expectUnchanged(async () => {
      const answer = await importCsv(`email,name\n${fresh('q')},"Jo\n${fresh('q')},Al\n`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('import.malformed');
    });
  });

  it('refuses more than 1 MB (413 import.too_large)', async () => {
    const row = (i: number) => `big-${i}@users.test,${'n'.repeat(190)}`;
    const rows = Array.from({ length: 5_000 }, (_, i) => row(i));
    const file = `email,name\n${rows.join('\n')}\n`;
    expect(Buffer.byteLength(file)).toBeGreaterThan(1024 * 1024);
    await expectUnchanged(async () => {
      const answer = await importCsv(file);
      expect(answer.status).toBe(413);
      expect(answer.body.error).toMatchObject({
        code: 'import.too_large',
        details: { maxBytes: 1_048_576, maxRows: 5_000 },
      });
    });
  });

  it('refuses more than 5,000 rows (413 import.too_large)', async () => {
    const file = `email\n${Array.from({ length: 5_001 }, (_, i) => `r${i}@users.test`).join('\n')}\n`;
    expect(Buffer.byteLength(file)).toBeLessThan(1024 * 1024);
    await expectUnchanged(async () => {
      const answer = await importCsv(file);
      expect(answer.status).toBe(413);
      expect(answer.body.error.code).toBe('import.too_large');
    });
  });

  it('refuses another content type (415) and an empty body (400)', async () => {
    await expectUnchanged(async () => {
      const json = await importCsv(`email\n${fresh('json')}\n`, { contentType: 'application/json' });
      expect(json.status).toBe(415);
      expect(json.body.error.code).toBe('request.unsupported_media_type');
      const empty = await importCsv('');
      expect(empty.status).toBe(400);
    });
  });

  it('takes exactly 5,000 rows (blank lines not counted)', async () => {
    // 4,999 rows refused without a write keep this fast; the one good row shows the file was taken.
    const good = fresh('limit');
    const bad = Array.from({ length: 4_999 }, (_, i) => `bad-${i}`);
    const answer = await importCsv(`email\n\n${[good, ...bad].join('\n')}\n\n`);
    expect(answer.status).toBe(201);
    expect(answer.body.added.map((u: { email: string }) => u.email)).toEqual([good]);
    expect(answer.body.rejected).toHaveLength(4_999);
    expect(answer.body.rejected.at(-1)).toMatchObject({ line: 5_002, email: 'bad-4998' });
  });
});
