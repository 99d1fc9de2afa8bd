import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiFor,
  call,
  expectError,
  LOC,
  type Receiver,
  startReceiver,
  startTestSimulator,
  subscribe,
  type TestSimulator,
  UID,
} from './support.ts';

async function inviteCodeOf(t: TestSimulator, clientUserId: string): Promise<string> {
  const { body } = await apiFor(t.sim, t.token).get('users', { clientUserId });
  return body.users[0].inviteCode;
}

function submit(t: TestSimulator, inviteCode: string, appleAccount: string) {
  return fetch(`${t.sim.url}/invitation?inviteCode=${inviteCode}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ appleAccount }).toString(),
  });
}

describe('invitation page', () => {
  let t: TestSimulator;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestSimulator();
    receiver = await startReceiver();
    await subscribe(t.sim, t.token, receiver);
  });
  afterEach(async () => {
    await t.sim.close();
    await receiver.close();
  });

  it('the invitationEmail template leads to a page with an Apple Account field and an accept button', async () => {
    // Prepare
    const inviteCode = await inviteCodeOf(t, 'u-5f3a');
    const template = (await call(t.sim.baseUrl, 'GET', 'service/config')).body.urls.invitationEmail as string;
    // Act
    const res = await fetch(template.replace('%25inviteCode%25', inviteCode));
    const html = await res.text();
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<title>Join Example School District');
    expect(html).toContain('North Campus');
    expect(html).toMatch(/<label for="appleAccount">Apple Account<\/label>/);
    expect(html).toMatch(/<input type="email" id="appleAccount" name="appleAccount"/);
    expect(html).toMatch(/<form method="post" action="\/invitation\?inviteCode=[0-9a-f]{32}">/);
    expect(html).toContain('<button type="submit">Accept invitation</button>');
  });

  it('accepting associates the user, clears the code, bumps the version and sends USER_ASSOCIATED', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const inviteCode = await inviteCodeOf(t, 'u-5f3a');
    const v1 = (await api.get('users')).body.versionId;
    // Act
    const res = await submit(t, inviteCode, 'Pupil17@iCloud.example');
    const html = await res.text();
    await t.sim.settle();
    // Assess
    expect(res.status).toBe(200);
    expect(html).toContain("You're all set");
    const delta = await api.get('users', { sinceVersionId: v1 });
    expect(delta.body.users).toEqual([
      {
        clientUserId: 'u-5f3a',
        email: 'pupil17@example.test',
        idHash: expect.any(String),
        status: 'Associated',
      },
    ]);
    const [notification] = receiver.ofType('USER_ASSOCIATED').map((r) => r.body);
    expect(notification).toMatchObject({
      notificationType: 'USER_ASSOCIATED',
      uId: UID,
      notification: {
        associatedUsers: [
          { clientUserId: 'u-5f3a', status: 'Associated', idHash: delta.body.users[0].idHash },
        ],
      },
    });
    expect(receiver.ofType('USER_ASSOCIATED')[0]?.headers.authorization).toBe('Bearer nat_secret');
  });

  it('derives the same idHash for the same Apple Account, case-insensitively', async () => {
    // Prepare
    const code = await inviteCodeOf(t, 'u-5f3a');
    await submit(t, code, 'Same@Example.test');
    t.sim.seed({
      organizations: [
        {
          id: 'acme',
          name: 'Example School District',
          locations: [{ id: LOC, name: 'North Campus', assets: [], users: [{ clientUserId: 'twin' }] }],
        },
      ],
    });
    const twinCode = await inviteCodeOf(t, 'twin');
    // Act
    const res = await submit(t, twinCode, 'same@example.test');
    // Assess
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('already linked to another user');
  });

  it('answers 410 for a used code, 404 for an unknown one and 400 without an Apple Account', async () => {
    // Prepare
    const code = await inviteCodeOf(t, 'u-5f3a');
    const empty = await submit(t, code, '');
    await submit(t, code, 'pupil@example.test');
    // Act
    const again = await fetch(`${t.sim.url}/invitation?inviteCode=${code}`);
    const unknown = await fetch(`${t.sim.url}/invitation?inviteCode=ffffffffffffffffffffffffffffffff`);
    // Assess
    expect(empty.status).toBe(400);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already been accepted');
    expect(unknown.status).toBe(404);
  });

  it('a retired user’s invitation is no longer valid (410)', async () => {
    // Prepare
    const code = await inviteCodeOf(t, 'u-5f3a');
    await apiFor(t.sim, t.token).post('users/retire', { users: [{ clientUserId: 'u-5f3a' }] });
    await t.sim.settle();
    // Act
    const res = await fetch(`${t.sim.url}/invitation?inviteCode=${code}`);
    // Assess
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('no longer valid');
  });
});

describe('content metadata lookup and artwork', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.sim.close());

  it('answers known adamIds of any location; unknown ids are absent', async () => {
    // Prepare
    t.sim.purchase('loc-2', { adamId: '6666666666', pricingParam: 'STDQ' }, 1, {
      productType: 'App',
      name: 'Zeta Mac',
      supportedPlatforms: ['macOS'],
      bundleId: 'com.example.zeta',
    });
    const query = {
      version: 2,
      p: 'mdm-lockup',
      caller: 'MDM',
      platform: 'enterprisestore',
      cc: 'gb',
      l: 'en',
    };
    // Act
    const answer = await call(t.sim.url, 'GET', 'lookup', {
      query: { ...query, id: '1111111111,3333333333,6666666666,999' },
    });
    // Assess
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.results).sort()).toEqual(['1111111111', '3333333333', '6666666666']);
    expect(answer.body.results['1111111111']).toEqual({
      id: '1111111111',
      name: 'Alpha Maths',
      kind: 'iosSoftware',
      bundleId: 'com.example.alpha',
      artwork: { url: `${t.sim.url}/artwork/1111111111/{w}x{h}bb.{f}`, width: 512, height: 512 },
      deviceFamilies: ['iphone', 'ipad'],
    });
    expect(answer.body.results['3333333333']).toMatchObject({ kind: 'ebook', name: 'Gamma Stories' });
    expect(answer.body.results['6666666666']).toMatchObject({ kind: 'macSoftware', deviceFamilies: ['mac'] });
  });

  it('serves artwork as SVG or PNG from the URL template', async () => {
    // Prepare
    const { body } = await call(t.sim.url, 'GET', 'lookup', { query: { id: '1111111111' } });
    const template = body.results['1111111111'].artwork.url as string;
    const url = (w: number, h: number, f: string) =>
      template.replace('{w}', String(w)).replace('{h}', String(h)).replace('{f}', f);
    // Act
    const svg = await fetch(url(100, 100, 'svg'));
    const png = await fetch(url(64, 32, 'png'));
    const missing = await fetch(`${t.sim.url}/artwork/42/64x64bb.png`);
    // Assess
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('<svg');
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(64);
    expect(bytes.readUInt32BE(20)).toBe(32);
    expect(missing.status).toBe(404);
  });
});

describe('rate limit', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator({ enforceRateLimit: true, limits: { maxRequestPerSecond: 3 } });
  });
  afterEach(() => t.sim.close());

  it('answers 9646/429 with Retry-After: 1 beyond maxRequestPerSecond for one location', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    // Act
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.get('assets')));
    // Assess
    const throttled = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(3);
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expectError(throttled[0] as (typeof answers)[number], 429, 9646);
    expect(throttled[0]?.headers.get('retry-after')).toBe('1');
  });

  it('counts per location, shared by tokens of the same location; unauthenticated pages are not limited', async () => {
    // Prepare
    const second = t.sim.issueToken(LOC);
    for (let i = 0; i < 3; i += 1) await apiFor(t.sim, t.token).get('assets');
    // Act
    const sameLocation = await apiFor(t.sim, second).get('assets');
    const otherLocation = await apiFor(t.sim, t.otherToken).get('assets');
    const free = await Promise.all([
      ...Array.from({ length: 5 }, () => call(t.sim.baseUrl, 'GET', 'service/config')),
      ...Array.from({ length: 5 }, () => call(t.sim.url, 'GET', 'lookup', { query: { id: '1' } })),
      ...Array.from({ length: 5 }, () => call(t.sim.url, 'GET', '_sim/calls')),
    ]);
    // Assess
    expectError(sameLocation, 429, 9646);
    expect(otherLocation.status).toBe(200);
    expect(free.every((a) => a.status === 200)).toBe(true);
  });
});
