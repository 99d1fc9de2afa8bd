import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientConfigSchema } from '../../../../shared/application/ports/vpp-schemas.ts';
import {
  apiFor,
  expectError,
  expectParses,
  LOC,
  type Receiver,
  startReceiver,
  startTestSimulator,
  type TestSimulator,
  UID,
} from './support.ts';

const MDM = {
  id: '7d0c2a51-3f7e-4c55-9b0e-2f1c7d9e6a10',
  name: 'Acme MDM',
  metadata: 'acme-mdm 4.2.0 tenant=eu-1',
};

describe('client/config', () => {
  let t: TestSimulator;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestSimulator();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.sim.close();
    await receiver.close();
  });

  it('GET answers the location with no notification settings yet', async () => {
    // Act
    const answer = await apiFor(t.sim, t.token).get('client/config');
    // Assess
    expect(answer.status).toBe(200);
    expectParses(ClientConfigSchema, answer.body);
    expect(answer.body).toEqual({
      countryISO2ACode: 'GB',
      defaultPlatform: 'enterprisestore',
      locationName: 'North Campus',
      subscribedNotificationTypes: [],
      websiteURL: 'https://school.apple.com',
      uId: UID,
      tokenExpirationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
    });
  });

  it('POST claims the location after a TEST_NOTIFICATION delivered with the auth token (reference §12(b))', async () => {
    // Prepare
    const request = {
      mdmInfo: MDM,
      notificationUrl: receiver.url,
      notificationAuthToken: 'nat_4Qe9cJm2ZrT8wXs1',
      notificationTypes: ['ASSET_MANAGEMENT', 'ASSET_COUNT', 'USER_MANAGEMENT', 'USER_ASSOCIATED'],
    };
    // Act
    const answer = await apiFor(t.sim, t.token).post('client/config', request);
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      countryISO2ACode: 'GB',
      defaultPlatform: 'enterprisestore',
      locationName: 'North Campus',
      mdmInfo: MDM,
      notificationAuthToken: 'nat_4Qe9cJm2ZrT8wXs1',
      notificationUrl: receiver.url,
      subscribedNotificationTypes: ['ASSET_COUNT', 'ASSET_MANAGEMENT', 'USER_ASSOCIATED', 'USER_MANAGEMENT'],
      tokenExpirationDate: expect.any(String),
      uId: UID,
      websiteURL: 'https://school.apple.com',
    });
    expect(receiver.received).toHaveLength(1);
    const test = receiver.received[0];
    expect(test?.headers.authorization).toBe('Bearer nat_4Qe9cJm2ZrT8wXs1');
    expect(test?.headers['content-type']).toBe('application/json');
    expect(test?.body).toEqual({
      notification: {},
      notificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      notificationType: 'TEST_NOTIFICATION',
      uId: UID,
    });
    const stored = await apiFor(t.sim, t.token).get('client/config');
    expect(stored.body).toMatchObject({ mdmInfo: MDM, notificationUrl: receiver.url });
  });

  it('answers 9728 and stores nothing when the test notification is not answered 2xx', async () => {
    // Prepare
    receiver.respondWith(500);
    const api = apiFor(t.sim, t.token);
    // Act
    const refused = await api.post('client/config', {
      mdmInfo: MDM,
      notificationUrl: receiver.url,
      notificationAuthToken: 'tok',
    });
    const unreachable = await api.post('client/config', {
      mdmInfo: MDM,
      notificationUrl: 'http://127.0.0.1:9/nothing-listens-here',
      notificationAuthToken: 'tok',
    });
    // Assess
    expectError(refused, 400, 9728);
    expectError(unreachable, 400, 9728);
    const stored = await api.get('client/config');
    expect(stored.body.notificationUrl).toBeUndefined();
    expect(stored.body.mdmInfo).toBeUndefined();
    expect(t.sim.snapshot().notifications.map((n) => [n.notificationType, n.outcome])).toEqual([
      ['TEST_NOTIFICATION', 'failed'],
      ['TEST_NOTIFICATION', 'failed'],
    ]);
  });

  it('requires HTTPS notification URLs unless local mode allows HTTP (9712)', async () => {
    // Prepare
    const strict = await startTestSimulator({ allowHttpNotifications: false });
    try {
      const api = apiFor(strict.sim, strict.token);
      // Act
      const http = await api.post('client/config', {
        notificationUrl: receiver.url,
        notificationAuthToken: 't',
      });
      const notAUrl = await api.post('client/config', {
        notificationUrl: 'hooks/vpp',
        notificationAuthToken: 't',
      });
      const ftp = await api.post('client/config', {
        notificationUrl: 'ftp://example.test/x',
        notificationAuthToken: 't',
      });
      // Assess
      expectError(http, 400, 9712);
      expectError(notAUrl, 400, 9712);
      expectError(ftp, 400, 9712);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await strict.sim.close();
    }
  });

  it('validates notification settings and mdmInfo synchronously (9710, 9711, 9723, 9724, 9725, 9713)', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    const long = (n: number): string => 'x'.repeat(n);
    // Act + Assess
    expectError(await api.post('client/config', { notificationUrl: receiver.url }), 400, 9710);
    expectError(await api.post('client/config', { notificationAuthToken: 'only-token' }), 400, 9710);
    expectError(
      await api.post('client/config', {
        notificationUrl: `https://e.test/${long(520)}`,
        notificationAuthToken: 't',
      }),
      400,
      9711,
    );
    expectError(
      await api.post('client/config', {
        notificationUrl: 'https://e.test/x',
        notificationAuthToken: long(513),
      }),
      400,
      9711,
    );
    expectError(await api.post('client/config', { mdmInfo: { id: 'a', name: 'b' } }), 400, 9723);
    expectError(await api.post('client/config', { mdmInfo: { ...MDM, id: long(101) } }), 400, 9724);
    expectError(await api.post('client/config', { mdmInfo: { ...MDM, name: long(101) } }), 400, 9725);
    expectError(await api.post('client/config', { mdmInfo: { ...MDM, metadata: long(256) } }), 400, 9713);
    expectError(await api.post('client/config', { notificationTypes: ['NOT_A_TYPE'] }), 400, 9602);
    expect(receiver.received).toHaveLength(0);
  });

  it('replaces notification settings as a whole and keeps mdmInfo when omitted', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('client/config', {
      mdmInfo: MDM,
      notificationUrl: receiver.url,
      notificationAuthToken: 't1',
    });
    // Act
    const defaults = await api.get('client/config');
    const cleared = await api.post('client/config', {});
    // Assess
    expect(defaults.body.subscribedNotificationTypes).toEqual([
      'ASSET_COUNT',
      'ASSET_MANAGEMENT',
      'USER_ASSOCIATED',
      'USER_MANAGEMENT',
    ]);
    expect(cleared.status).toBe(200);
    expect(cleared.body.notificationUrl).toBeUndefined();
    expect(cleared.body.notificationAuthToken).toBeUndefined();
    expect(cleared.body.subscribedNotificationTypes).toEqual([]);
    expect(cleared.body.mdmInfo).toEqual(MDM);
  });

  it('lets another MDM overwrite mdmInfo (no lock, as at Apple)', async () => {
    // Prepare
    await apiFor(t.sim, t.token).post('client/config', { mdmInfo: MDM });
    const secondHolder = t.sim.issueToken(LOC);
    // Act
    const answer = await apiFor(t.sim, secondHolder).post('client/config', {
      mdmInfo: { id: 'other', name: 'Other MDM', metadata: '' },
    });
    // Assess
    expect(answer.status).toBe(200);
    expect((await apiFor(t.sim, t.token).get('client/config')).body.mdmInfo.id).toBe('other');
  });

  it('claimByOtherMdm redirects notifications away and shows the new mdmInfo', async () => {
    // Prepare
    const api = apiFor(t.sim, t.token);
    await api.post('client/config', {
      mdmInfo: MDM,
      notificationUrl: receiver.url,
      notificationAuthToken: 't',
    });
    // Act
    t.sim.claimByOtherMdm(
      LOC,
      { id: 'intruder', name: 'Rival', metadata: 'm' },
      'https://rival.example/hook',
    );
    // Assess
    const config = await api.get('client/config');
    expect(config.body).toMatchObject({
      mdmInfo: { id: 'intruder', name: 'Rival', metadata: 'm' },
      notificationUrl: 'https://rival.example/hook',
    });
    expect(config.body.notificationAuthToken).not.toBe('t');
  });
});
