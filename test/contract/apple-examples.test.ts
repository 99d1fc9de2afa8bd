/**
 * The client's parsing against Apple's own examples (fixtures/, copied from Apple's documentation,
 * each with its page in fixtures/README.md): a fake Apple answers each request with Apple's example,
 * and each test asserts concrete field values, so a misreading shared by the schemas and the
 * simulator cannot pass on both sides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppleVppHttpClient } from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { NotificationSchema } from '../../shared/application/ports/vpp-schemas.ts';
import { Secret } from '../../shared/domain/secret.ts';

const example = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8'));

/** An Apple that answers each path with Apple's example for it. */
function appleAnswering(answers: Record<string, string>) {
  const asked: string[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(url)).pathname.replace('/mdm/v2/', '');
    asked.push(`${init?.method ?? 'GET'} ${path}`);
    const name = answers[path] ?? (path === 'service/config' ? 'service-config' : undefined);
    if (!name) return new Response('{}', { status: 404 });
    return new Response(JSON.stringify(example(name)), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  const client = new AppleVppHttpClient({ baseUrl: 'https://vpp.itunes.apple.com/mdm/v2', fetch });
  return { client, asked };
}

const token = new Secret('ZXhhbXBsZS10b2tlbg==');

describe("Apple's examples, read by the client", () => {
  it('service/config: the limits Apple gives, and its documented ones where it gives none', async () => {
    const { client } = appleAnswering({});
    const config = await client.serviceConfig();
    expect(config.urls.invitationEmail).toBe(
      'https://buy.itunes.apple.com/WebObjects/MZFinance.woa/wa/associateVPPUserWithITSAccount?inviteCode=%25inviteCode%25&mt=8',
    );
    expect(config.errorCodes).toEqual([]);
    const limits = await client.limits();
    expect(limits.maxAssets).toBe(25);
    expect(limits.maxRevokeSerialNumbers).toBe(100);
    expect(limits.maxMdmMetadataLength).toBe(255);
    // Apple's example has no maxRequestPerSecond: the documented 15 stands.
    expect(limits.maxRequestPerSecond).toBe(15);
  });

  it('GET assets: every asset with its counts and flags, the page and the version', async () => {
    const { client } = appleAnswering({ assets: 'get-assets' });
    const read = await client.readAssets(token, { pricingParam: 'STDQ', productType: 'App' });
    expect(read.items).toHaveLength(5);
    expect(read.items.map((a) => a.adamId)).toEqual([
      '408709785',
      '377298193',
      '361309726',
      '361304891',
      '361285480',
    ]);
    const first = read.items[0];
    expect(first?.assignedCount).toBe(5000);
    expect(first?.availableCount).toBe(10000);
    expect(first?.totalCount).toBe(15000);
    expect(first?.retiredCount).toBe(0);
    expect(first?.deviceAssignable).toBe(true);
    expect(first?.revocable).toBe(true);
    expect(first?.supportedPlatforms).toEqual(['iOS']);
    expect(read.versionId).toBe('70e8c740-514c-11eb-bb63-a90b882fcd52');
    expect(read.pages).toBe(1);
    expect(read.meta.uId).toBe('2049025000431439');
    expect(read.meta.tokenExpirationDate).toBe('2030-11-08T22:33:22+0000');
  });

  it('GET assignments: a user and a device holding one asset', async () => {
    const { client } = appleAnswering({ assignments: 'get-assignments' });
    const read = await client.readAssignments(token, { adamId: '408709785' });
    expect(read.items).toHaveLength(2);
    expect(read.items[0]?.clientUserId).toBe('client-1');
    expect(read.items[0]?.serialNumber).toBeUndefined();
    expect(read.items[1]?.serialNumber).toBe('serial-1');
    expect(read.items[1]?.clientUserId).toBeUndefined();
    expect(read.items.every((a) => a.adamId === '408709785' && a.pricingParam === 'STDQ')).toBe(true);
    expect(read.versionId).toBe('009061cb-87d1-4ea8-ae4c-7849dc49224e');
  });

  it('GET users: an associated user, with its idHash and no invite code', async () => {
    const { client } = appleAnswering({ users: 'get-users' });
    const read = await client.readUsers(token, { clientUserId: 'user-1' });
    expect(read.items).toHaveLength(1);
    expect(read.items[0]?.clientUserId).toBe('user-1');
    expect(read.items[0]?.status).toBe('Associated');
    expect(read.items[0]?.idHash).toBe('rRVS8rlBrJjRqYwL8aNGDJG2CbU=');
    expect(read.items[0]?.inviteCode).toBeUndefined();
    expect(read.versionId).toBe('021f10a0-7035-11eb-9f67-bd1df52e1e13');
  });

  it("POST client/config: Apple's answer, with the MDM and the subscribed types", async () => {
    const { client, asked } = appleAnswering({ 'client/config': 'client-config-post' });
    const config = await client.updateClientConfig(token, {
      mdmInfo: {
        id: '522d5c43-44ca-4f7e-ba7a-53570cf60765',
        name: 'My Device Management Service',
        metadata: '1.0.0',
      },
    });
    expect(asked).toContain('POST client/config');
    expect(config.uId).toBe('2049025000431439');
    expect(config.mdmInfo).toEqual({
      id: '522d5c43-44ca-4f7e-ba7a-53570cf60765',
      name: 'My Device Management Service',
      metadata: '1.0.0',
    });
    expect(config.notificationUrl).toBe('https://devicemanagement.example.com/notifications');
    expect(config.subscribedNotificationTypes).toContain('SUBSCRIPTION_COUNT');
    expect(config.locationName).toBeUndefined();
  });

  it("POST assets/associate then GET status: the event's id, then complete", async () => {
    const { client } = appleAnswering({
      'assets/associate': 'associate-event',
      status: 'status-associate-complete',
    });
    const submitted = await client.associateAssets(token, {
      assets: [{ adamId: '361309726', pricingParam: 'STDQ' }],
      clientUserIds: ['user-1'],
    });
    expect(submitted.rejected).toEqual([]);
    expect(submitted.events.map((e) => e.eventId)).toEqual(['954910a8-3d9c-4fde-948d-253e5aef431a']);
    const outcome = await client.eventStatus(token, '954910a8-3d9c-4fde-948d-253e5aef431a');
    expect(outcome).toMatchObject({
      state: 'complete',
      eventType: 'ASSOCIATE',
      numRequested: 1,
      numCompleted: 1,
      failures: [],
    });
    const created = appleAnswering({ status: 'status-create-complete' });
    expect((await created.client.eventStatus(token, 'e0def1f8-9158-4343-9c52-8dd32da50b9b')).eventType).toBe(
      'CREATE',
    );
  });
});

describe("Apple's subscription examples, read by the client", () => {
  /** The first page of a walk (Apple's examples all name a next page, which a fake cannot serve twice). */
  async function firstPage<T>(walk: AsyncIterable<T>): Promise<T | undefined> {
    for await (const page of walk) return page;
    return undefined;
  }

  it("GET subscriptions: Apple's integer ids as text, counts by renewal, the cursor, no status or period", async () => {
    const { client, asked } = appleAnswering({ subscriptions: 'get-subscriptions' });
    const page = await firstPage(
      client.subscriptionPages(token, { parentAdamIds: ['54321'], adamIds: ['12345'] }),
    );
    expect(asked).toContain('GET subscriptions');
    expect(page?.items).toEqual([
      {
        parentAdamId: '54321',
        adamId: '12345',
        counts: {
          assigned: { renewing: 0, expiring: 0 },
          available: { renewing: 0, expiring: 0 },
          total: { renewing: 0, expiring: 0 },
        },
      },
    ]);
    expect(page?.nextCursor).toBe('NjY5MjY0ODEtZTA4ZC00MmRhLTkxYjItMzdmMDI1MTVkYjQy');
    expect(page?.versionId).toBe('7760f54d-fd4a-4bad-b768-bc1cbb28af9a');
    expect(page?.meta.uId).toBe('2049025000431439');
  });

  it('GET subscriptions/assignments and subscriptions/admins: the user, the renewal, the admin state', async () => {
    const { client } = appleAnswering({
      'subscriptions/assignments': 'get-subscription-assignments',
      'subscriptions/admins': 'get-subscription-admins',
    });
    const assignments = await firstPage(client.subscriptionAssignmentPages(token, { adamIds: ['12345'] }));
    expect(assignments?.items).toEqual([{ adamId: '12345', clientUserId: 'vpp-user', renewing: true }]);
    expect(assignments?.versionId).toBe('0d434f66-4e0c-4556-a4a9-87a9bcc7da7c');
    const admins = await firstPage(
      client.subscriptionAdminPages(token, { adamIds: ['12345'], includeUserState: true }),
    );
    expect(admins?.items).toEqual([
      {
        adamId: '12345',
        clientUserId: 'vpp-user',
        idHash: 'rRVS8rlBrJjRqYwL8aNGDJG2CbU=',
        userStatus: 'Associated',
      },
    ]);
  });

  it('POST subscriptions/enable: the recorded state, with mdmInfo null read as none', async () => {
    const { client, asked } = appleAnswering({ 'subscriptions/enable': 'subscriptions-enable' });
    const answer = await client.enableSubscriptions(token);
    expect(asked).toContain('POST subscriptions/enable');
    expect(answer.subscriptionManagement).toBe(true);
    expect(answer.mdmInfo).toBeUndefined();
    expect(answer.tokenExpirationDate).toBe('2030-11-08T22:33:22+0000');
  });
});

describe("Apple's example notifications, read by the notification endpoint's schema", () => {
  it('SUBSCRIPTION_COUNT: absolute counts without assigned, integer ids as text', () => {
    const n = NotificationSchema.parse(example('notification-subscription-count'));
    if (n.notificationType !== 'SUBSCRIPTION_COUNT') throw new Error(n.notificationType);
    expect(n.notification).toEqual({
      parentAdamId: '54321',
      adamId: '12345',
      counts: { available: { renewing: 15, expiring: 5 }, total: { renewing: 100, expiring: 20 } },
    });
  });

  it('SUBSCRIPTION_MANAGEMENT: the event, its result and each seat with its renewal', () => {
    const n = NotificationSchema.parse(example('notification-subscription-management'));
    if (n.notificationType !== 'SUBSCRIPTION_MANAGEMENT') throw new Error(n.notificationType);
    expect(n.notification).toEqual({
      type: 'DISASSOCIATE',
      result: 'SUCCESS',
      eventId: 'd4ea01e4-e9d6-52d7-9405-f5c2fa6ab0e3',
      assignments: [{ adamId: '12345', clientUserId: 'vpp-user', renewing: true }],
    });
  });

  it('ASSET_MANAGEMENT: the event, its result and each assignment', () => {
    const n = NotificationSchema.parse(example('notification-asset-management'));
    expect(n.notificationType).toBe('ASSET_MANAGEMENT');
    expect(n.notificationId).toBe('ba8bbb23-44c2-44f6-a928-eff6ba5ffac3');
    if (n.notificationType !== 'ASSET_MANAGEMENT') return;
    expect(n.notification.eventId).toBe('954910a8-3d9c-4fde-948d-253e5aef431a');
    expect(n.notification.type).toBe('ASSOCIATE');
    expect(n.notification.result).toBe('SUCCESS');
    expect(n.notification.assignments).toEqual([
      { adamId: '361309726', clientUserId: 'user-1', pricingParam: 'STDQ' },
    ]);
  });

  it('ASSET_COUNT: the asset and the change in count', () => {
    const n = NotificationSchema.parse(example('notification-asset-count'));
    if (n.notificationType !== 'ASSET_COUNT') throw new Error(n.notificationType);
    expect(n.notification).toEqual({ adamId: '361309726', countDelta: 25, pricingParam: 'STDQ' });
    expect(n.uId).toBe('2049025000431439');
  });

  it('USER_MANAGEMENT: the event and the users, associated at once', () => {
    const n = NotificationSchema.parse(example('notification-user-management'));
    if (n.notificationType !== 'USER_MANAGEMENT') throw new Error(n.notificationType);
    expect(n.notification.eventId).toBe('e0def1f8-9158-4343-9c52-8dd32da50b9b');
    expect(n.notification.type).toBe('CREATE');
    expect(n.notification.users).toEqual([
      { clientUserId: 'user-1', idHash: 'rRVS8rlBrJjRqYwL8aNGDJG2CbU=', status: 'Associated' },
    ]);
  });
});
