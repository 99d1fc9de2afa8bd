/**
 * Devices and the assets they get, through the API on the local engines and the simulator:
 * - platforms: a device whose platform the asset does not run on is rejected
 *   `device.platform_unsupported` in a manual grant, and skipped with that reason in the deployment's
 *   plan and its reconciliation; Apple never sees it;
 * - licences by name: a device's details name each licence's asset, and the licence report (JSON and
 *   CSV) says whether each asset goes to devices and can be taken back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jobEnded, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
const IOS_APP = '9100000001';
const MAC_APP = '9100000002';
const assetPath = (adamId: string) => `/v1/accounts/${accountId}/assets/${adamId}`;
const holder = async (adamId: string, serial: string) =>
  (await rt.deps.assignments.get(accountId, adamId, 'STDQ', 'device', serial))?.state;

beforeAll(async () => {
  // The plan is read before the reconciliation a new deployment schedules (it runs on request here).
  rt = await startTestRuntime({
    simulator: { seed: 'demo', eventDelayMs: 20 },
    reconcileDebounceSeconds: 600,
  });
  const seeded = rt.simulator.seed({
    organizations: [
      {
        id: 'plat-org',
        name: 'Platform School',
        locations: [
          {
            id: 'plat-main',
            name: 'Platform Main',
            assets: [
              {
                adamId: IOS_APP,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'Tablet App',
                totalCount: 10,
                deviceAssignable: true,
                supportedPlatforms: ['iOS', 'visionOS'],
              },
              {
                adamId: MAC_APP,
                pricingParam: 'STDQ',
                productType: 'App',
                name: 'Desktop App',
                totalCount: 10,
                deviceAssignable: true,
                supportedPlatforms: ['macOS'],
              },
            ],
          },
        ],
      },
    ],
  });
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'Platforms', email: 'it@plat.test', token: seeded.locations[0]?.tokens[0] },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
  const put = await rt.call('PUT', '/v1/devices', {
    body: [
      { serialNumber: 'PLATMAC1', networkId: 'net-1', platform: 'macOS', tags: ['plat'] },
      { serialNumber: 'PLATIPAD1', networkId: 'net-1', platform: 'ipados', tags: ['plat'] },
    ],
  });
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await rt?.stop();
});

describe('platforms', () => {
  it('rejects a manual grant to a macOS device of an iOS/visionOS app, and grants the iPad', async () => {
    const answer = await rt.call('POST', `${assetPath(IOS_APP)}/grants`, {
      body: { serialNumbers: ['PLATMAC1', 'PLATIPAD1'] },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.rejected).toEqual([
      {
        subject: 'device:PLATMAC1',
        code: 'device.platform_unsupported',
        reason: "This asset runs on iOS, visionOS; the device's platform is macOS.",
      },
    ]);
    expect((await jobEnded(rt, answer.body.job.id)).state).toBe('succeeded');
    expect(await holder(IOS_APP, 'PLATIPAD1')).toBe('granted');
    expect(await holder(IOS_APP, 'PLATMAC1')).toBeUndefined();
    const atApple = rt.simulator
      .snapshot()
      .locations.find((l) => l.id === 'plat-main')
      ?.assignments.filter((a) => a.adamId === IOS_APP)
      .map((a) => a.serialNumber);
    expect(atApple).toEqual(['PLATIPAD1']);
  });

  it('skips the iPad in a macOS app deployment, with the reason in the plan, and grants the Mac', async () => {
    const put = await rt.call('PUT', `${assetPath(MAC_APP)}/deployment`, {
      body: { method: 'device', scope: { tags: ['plat'] }, autoAssign: true, autoRevoke: false },
    });
    expect(put.status).toBe(200);
    const plan = await rt.call('GET', `${assetPath(MAC_APP)}/deployment/plan`);
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({
      grant: ['device:PLATMAC1'],
      skipped: [
        {
          subject: 'device:PLATIPAD1',
          code: 'device.platform_unsupported',
          reason: "This asset runs on macOS; the device's platform is ipados.",
        },
      ],
      shortage: { count: 0 },
    });
    await rt.call('POST', `${assetPath(MAC_APP)}/deployment/reconcile`);
    await eventually(
      async () => (await holder(MAC_APP, 'PLATMAC1')) === 'granted',
      40_000,
      'the Mac granted',
    );
    expect(await holder(MAC_APP, 'PLATIPAD1')).toBeUndefined();
  });
});

describe('licences by name', () => {
  it("lists a device's licences with the asset's name, productType and pricingParam", async () => {
    const answer = await rt.call('GET', '/v1/devices/PLATIPAD1');
    expect(answer.status).toBe(200);
    expect(answer.body.licenses).toEqual([
      expect.objectContaining({
        accountId,
        adamId: IOS_APP,
        pricingParam: 'STDQ',
        name: 'Tablet App',
        productType: 'App',
        state: 'granted',
      }),
    ]);
  });

  it('has deviceAssignable and revocable in the licence report, JSON and CSV', async () => {
    const json = await rt.call('GET', `/v1/reports/licenses?accountId=${accountId}`);
    expect(json.status).toBe(200);
    expect(json.body.items.find((r: { adamId: string }) => r.adamId === IOS_APP)).toMatchObject({
      name: 'Tablet App',
      productType: 'App',
      deviceAssignable: true,
      revocable: true,
    });
    const csv = await rt.call('GET', `/v1/reports/licenses?accountId=${accountId}&format=csv`);
    expect(csv.status).toBe(200);
    const [header, ...rows] = String(csv.body).trim().split('\r\n');
    const columns = header?.split(',') ?? [];
    expect(columns).toEqual(expect.arrayContaining(['deviceAssignable', 'revocable']));
    const row = rows.map((r) => r.split(',')).find((cells) => cells[columns.indexOf('adamId')] === IOS_APP);
    expect(row?.[columns.indexOf('deviceAssignable')]).toBe('true');
    expect(row?.[columns.indexOf('revocable')]).toBe('true');
  });
});
