/**
 * Every answer checked against the question (shared/adapters/apple-vpp/answer-check.ts), against the
 * simulator in its mode that ignores query filters: each filtered read keeps only what matches what
 * was asked, reports the rest as an anomaly (endpoint, filter names, counts; never a value), and an
 * unfiltered read or an Apple that filters reports nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppleSimulator, startAppleSimulator } from '../../../functions/local/apple-simulator/index.ts';
import {
  type AppleAnomaly,
  AppleVppHttpClient,
} from '../../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { Secret } from '../../../shared/domain/secret.ts';

const APP = { adamId: '200000001', pricingParam: 'STDQ' as const };
const OTHER = { adamId: '200000002', pricingParam: 'STDQ' as const };
const BOOK = { adamId: '200000003', pricingParam: 'PLUS' as const };

let sim: AppleSimulator;
let token: Secret;
const anomalies: AppleAnomaly[] = [];
let client: AppleVppHttpClient;

beforeAll(async () => {
  sim = await startAppleSimulator({
    quiet: true,
    eventDelayMs: 5,
    limits: { maxRequestPerSecond: 500 },
    seed: {
      organizations: [
        {
          id: 'o',
          name: 'O',
          locations: [
            {
              id: 'l',
              name: 'L',
              assets: [
                { ...APP, productType: 'App', name: 'App', totalCount: 10, deviceAssignable: true },
                { ...OTHER, productType: 'App', name: 'Other', totalCount: 10, deviceAssignable: true },
                { ...BOOK, productType: 'Book', name: 'Book', totalCount: 10, deviceAssignable: false },
              ],
              users: [
                { clientUserId: 'u-1', email: 'one@o.test' },
                { clientUserId: 'u-2', email: 'two@o.test' },
              ],
            },
          ],
        },
      ],
    },
  });
  token = new Secret(sim.snapshot().tokens.find((t) => t.locationId === 'l')?.content ?? '');
  client = new AppleVppHttpClient({
    baseUrl: sim.baseUrl,
    observer: { onAnomaly: (a) => anomalies.push(a) },
  });
  sim.externalAssign('l', APP, { serialNumber: 'S-APP' });
  sim.externalAssign('l', OTHER, { serialNumber: 'S-OTHER' });
  sim.externalAssign('l', OTHER, { clientUserId: 'u-1' });
  sim.externalAssign('l', BOOK, { clientUserId: 'u-2' });
});

afterAll(() => sim.close());

beforeEach(() => {
  anomalies.length = 0;
  sim.setFaults({ ignoreFilters: true });
});

describe('filtered reads of an Apple that ignores filters', () => {
  it("keeps only the asked asset's assignments, and reports what it dropped", async () => {
    const read = await client.readAssignments(token, APP);
    expect(read.items).toEqual([{ ...APP, serialNumber: 'S-APP' }]);
    expect(anomalies).toEqual([
      { endpoint: 'GET assignments', asked: ['adamId', 'pricingParam'], received: 4, dropped: 3 },
    ]);
  });

  it("keeps only the asked device's and user's assignments", async () => {
    expect((await client.readAssignments(token, { serialNumber: 'S-OTHER' })).items).toEqual([
      { ...OTHER, serialNumber: 'S-OTHER' },
    ]);
    expect((await client.readAssignments(token, { clientUserId: 'u-2' })).items).toEqual([
      { ...BOOK, clientUserId: 'u-2' },
    ]);
    expect(anomalies.map((a) => [a.asked, a.dropped])).toEqual([
      [['serialNumber'], 3],
      [['clientUserId'], 3],
    ]);
  });

  it('never takes one user for another', async () => {
    const read = await client.readUsers(token, { clientUserId: 'u-2' });
    expect(read.items.map((u) => u.clientUserId)).toEqual(['u-2']);
    expect(anomalies).toEqual([{ endpoint: 'GET users', asked: ['clientUserId'], received: 2, dropped: 1 }]);
  });

  it('keeps only the asked asset, and only what answers the asset flags', async () => {
    expect((await client.readAssets(token, OTHER)).items.map((a) => a.adamId)).toEqual([OTHER.adamId]);
    expect(
      (await client.readAssets(token, { productType: 'Book', pricingParam: 'PLUS' })).items.map(
        (a) => a.adamId,
      ),
    ).toEqual([BOOK.adamId]);
    expect((await client.readAssets(token, { deviceAssignable: true })).items).toHaveLength(2);
    expect(anomalies.map((a) => [a.endpoint, a.dropped])).toEqual([
      ['GET assets', 2],
      ['GET assets', 2],
      ['GET assets', 1],
    ]);
  });

  it('reports nothing for an unfiltered read, or when Apple filters', async () => {
    expect((await client.readAssignments(token)).items).toHaveLength(4);
    sim.clearFaults();
    expect((await client.readAssignments(token, APP)).items).toHaveLength(1);
    expect((await client.readUsers(token, { clientUserId: 'u-1' })).items).toHaveLength(1);
    expect(anomalies).toEqual([]);
  });
});

describe("an event's status", () => {
  it("is refused, and reported, when it is another event's", async () => {
    const answer = (body: unknown) =>
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    const statusOf = (eventId: string) => ({
      eventId,
      eventStatus: 'COMPLETE',
      eventType: 'ASSOCIATE',
      numRequested: 1,
      numCompleted: 1,
      uId: '1',
    });
    const fake = (asked: string): typeof fetch =>
      (async (url: string | URL | Request) => {
        const path = new URL(String(url)).pathname;
        if (path.endsWith('service/config'))
          return answer({ urls: {}, limits: {}, errorCodes: [], notificationTypes: [] });
        return answer(statusOf(asked));
      }) as typeof fetch;
    const seen: AppleAnomaly[] = [];
    const other = new AppleVppHttpClient({
      baseUrl: 'https://apple.example.test/mdm/v2',
      fetch: fake('another-event'),
      observer: { onAnomaly: (a) => seen.push(a) },
    });
    await expect(other.eventStatus(token, 'my-event')).rejects.toMatchObject({ kind: 'bad_response' });
    expect(seen).toEqual([{ endpoint: 'GET status', asked: ['eventId'], received: 1, dropped: 1 }]);
    const same = new AppleVppHttpClient({
      baseUrl: 'https://apple.example.test/mdm/v2',
      fetch: fake('my-event'),
    });
    expect((await same.eventStatus(token, 'my-event')).state).toBe('complete');
  });
});
