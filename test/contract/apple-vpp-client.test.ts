/**
 * The contract: what the client needs of any Apple-compatible server, run by the real client.
 *
 * - Without variables it runs against the Apple simulator, started here (the checks that need the
 *   simulator's controls are its own tests: test/functions/local/apple-simulator/).
 * - `VPP_CONTRACT_BASE_URL` (e.g. `https://vpp.itunes.apple.com/mdm/v2`) and `VPP_CONTRACT_TOKEN_FILE`
 *   (a `.vpptoken` file) point it at another server. It then only reads, unless
 *   `VPP_CONTRACT_WRITES=1`: then it assigns one app to two made-up serial numbers and takes both
 *   back, leaving the location as it found it.
 * - What it needs of that server's location: one device-assignable, revocable app with at least two
 *   free licences (for the writes). Use a spare location: adding nothing to an MDM, it still reads
 *   and (with writes) changes the location's licences.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppleSimulator, startAppleSimulator } from '../../functions/local/apple-simulator/index.ts';
import {
  type AppleAnomaly,
  AppleVppHttpClient,
} from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { isVppError } from '../../shared/application/ports/vpp-errors.ts';
import type { ResponseAsset } from '../../shared/application/ports/vpp-schemas.ts';
import { Secret } from '../../shared/domain/secret.ts';

const BASE_URL = process.env.VPP_CONTRACT_BASE_URL;
const TOKEN_FILE = process.env.VPP_CONTRACT_TOKEN_FILE;
const OTHER_SERVER = Boolean(BASE_URL);
/** Writes against the simulator always; against another server only when asked. */
const WRITES = !OTHER_SERVER || process.env.VPP_CONTRACT_WRITES === '1';
/** Apple's cadence on another server (status at most every 30 s); the simulator's is quick. */
const EVENT_TIMEOUT_MS = OTHER_SERVER ? 660_000 : 20_000;

let sim: AppleSimulator | undefined;
let client: AppleVppHttpClient;
let token: Secret;
const anomalies: AppleAnomaly[] = [];

beforeAll(async () => {
  let baseUrl: string;
  if (BASE_URL) {
    if (!TOKEN_FILE)
      throw new Error('VPP_CONTRACT_BASE_URL needs VPP_CONTRACT_TOKEN_FILE (a .vpptoken file).');
    baseUrl = BASE_URL;
    token = new Secret(readFileSync(TOKEN_FILE, 'utf8').trim());
  } else {
    sim = await startAppleSimulator({
      quiet: true,
      eventDelayMs: 5,
      seed: {
        organizations: [
          {
            id: 'contract',
            name: 'Contract School',
            locations: [
              {
                id: 'contract-main',
                name: 'Main',
                assets: [
                  {
                    adamId: '300000001',
                    pricingParam: 'STDQ',
                    productType: 'App',
                    name: 'App',
                    totalCount: 5,
                    deviceAssignable: true,
                  },
                  {
                    adamId: '300000002',
                    pricingParam: 'STDQ',
                    productType: 'Book',
                    name: 'Book',
                    totalCount: 3,
                    deviceAssignable: false,
                  },
                ],
                users: [{ clientUserId: 'contract-user', email: 'user@contract.test' }],
                subscriptionManagement: 'enabled',
                subscriptions: [
                  { adamId: 300000003, parentAdamId: 300000001, seats: { renewing: 2, expiring: 1 } },
                ],
              },
            ],
          },
        ],
      },
    });
    baseUrl = sim.baseUrl;
    token = new Secret(sim.snapshot().tokens.find((t) => t.locationId === 'contract-main')?.content ?? '');
  }
  client = new AppleVppHttpClient({
    baseUrl,
    observer: { onAnomaly: (a) => anomalies.push(a) },
    eventCadence: OTHER_SERVER
      ? { firstPollMs: 10_000, intervalMs: 30_000, timeoutMs: 600_000 }
      : { firstPollMs: 10, intervalMs: 20, timeoutMs: 10_000 },
  });
});

afterAll(async () => {
  await sim?.close();
});

const isCount = (n: number) => Number.isInteger(n) && n >= 0;

describe('reads', () => {
  it('service/config: limits the client can batch by', async () => {
    const limits = await client.limits();
    for (const key of [
      'maxAssets',
      'maxSerialNumbers',
      'maxClientUserIds',
      'maxUsers',
      'maxRequestPerSecond',
    ] as const)
      expect(limits[key]).toBeGreaterThan(0);
  });

  it("client/config: the location's uId", async () => {
    const config = await client.getClientConfig(token);
    expect(config.uId).toMatch(/\S/);
  });

  it('assets: every page read, each asset with its identity and counts', async () => {
    const read = await client.readAssets(token);
    expect(read.versionId).toMatch(/\S/);
    expect(read.pages).toBeGreaterThanOrEqual(1);
    for (const asset of read.items) {
      expect(asset.adamId).toMatch(/^\d+$/);
      expect(['STDQ', 'PLUS']).toContain(asset.pricingParam);
      expect(['App', 'Book']).toContain(asset.productType);
      expect(isCount(asset.assignedCount)).toBe(true);
      expect(isCount(asset.availableCount)).toBe(true);
      expect(isCount(asset.totalCount)).toBe(true);
    }
  });

  it('assignments: each names one asset and exactly one device or user; since its version, reads again', async () => {
    const read = await client.readAssignments(token);
    for (const a of read.items) {
      expect(a.adamId).toMatch(/^\d+$/);
      expect((a.serialNumber === undefined) !== (a.clientUserId === undefined)).toBe(true);
    }
    const since = await client.readAssignments(token, { sinceVersionId: read.versionId });
    expect(since.versionId).toMatch(/\S/);
  });

  it('a filtered read is answered as asked (nothing to drop)', async () => {
    const [asset] = (await client.readAssets(token)).items;
    if (!asset) throw new Error('The location has no asset: the contract needs one (see the header).');
    anomalies.length = 0;
    const assets = await client.readAssets(token, { adamId: asset.adamId, pricingParam: asset.pricingParam });
    expect(assets.items.map((a) => a.adamId)).toEqual([asset.adamId]);
    await client.readAssignments(token, { adamId: asset.adamId, pricingParam: asset.pricingParam });
    expect(anomalies).toEqual([]);
  });

  it('users: each with its id and a known status', async () => {
    const read = await client.readUsers(token);
    for (const u of read.items) {
      expect(u.clientUserId).toMatch(/\S/);
      expect(['Registered', 'Associated', 'Retired', 'Deleted']).toContain(u.status);
    }
  });

  it('subscriptions, when the server offers them: ids, counts that add up, and their assignments', async () => {
    // An Apple (or a stand-in) without volume subscriptions answers 404, 405 or 9634 (U32): not offered.
    const read = await client.readSubscriptions(token).catch((error: unknown) => {
      if (OTHER_SERVER && isVppError(error) && [404, 405, 410].includes(error.httpStatus ?? 0))
        return undefined;
      throw error;
    });
    if (!read) return;
    expect(read.versionId).toMatch(/\S/);
    if (!OTHER_SERVER) expect(read.items.map((s) => s.adamId)).toEqual(['300000003']);
    for (const s of read.items) {
      expect(s.adamId).toMatch(/^\d+$/);
      const { assigned, available, total } = s.counts;
      expect(assigned.renewing + assigned.expiring + available.renewing + available.expiring).toBe(
        total.renewing + total.expiring,
      );
    }
    const assignments = await client.readSubscriptionAssignments(token);
    for (const a of assignments.items) expect(typeof a.renewing).toBe('boolean');
  });

  it('an unknown event is 9708 (event_not_found)', async () => {
    await expect(client.eventStatus(token, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      kind: 'event_not_found',
      errorNumber: 9708,
    });
  });
});

if (WRITES)
  describe('writes (undone)', () => {
    it(
      'assigns one app to two devices, then takes both back',
      async () => {
        const app = (await client.readAssets(token)).items.find(
          (a: ResponseAsset) => a.deviceAssignable && a.revocable && a.availableCount >= 2,
        );
        if (!app)
          throw new Error('No device-assignable, revocable app with two free licences (see the header).');
        const asset = { adamId: app.adamId, pricingParam: app.pricingParam };
        const tag = randomBytes(4).toString('hex').toUpperCase();
        const serialNumbers = [`VPPCONTRACT${tag}A`, `VPPCONTRACT${tag}B`];
        const held = async () =>
          (await client.readAssignments(token, asset)).items
            .flatMap((a) => (a.serialNumber ? [a.serialNumber] : []))
            .filter((s) => serialNumbers.includes(s))
            .sort();
        try {
          const associated = await client.associateAssets(token, { assets: [asset], serialNumbers });
          expect(associated.rejected).toEqual([]);
          for (const event of associated.events)
            expect((await client.followEvent(token, event.eventId)).state).toBe('complete');
          expect(await held()).toEqual(serialNumbers);
        } finally {
          const disassociated = await client.disassociateAssets(token, { assets: [asset], serialNumbers });
          for (const event of disassociated.events) await client.followEvent(token, event.eventId);
        }
        expect(await held()).toEqual([]);
      },
      2 * EVENT_TIMEOUT_MS + 60_000,
    );
  });
