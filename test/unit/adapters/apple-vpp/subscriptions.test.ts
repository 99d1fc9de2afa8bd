/**
 * The client's subscription calls against scripted answers (apple-subscriptions.md): the batching to
 * Apple's two limits, integer ids on the wire, repeated query keys, a cursor that never ends, and the
 * re-split after Apple says 9816 because its limits changed since `service/config` was read.
 */
import { describe, expect, it } from 'vitest';
import { AppleVppHttpClient } from '../../../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { planSubscriptionBatches } from '../../../../shared/adapters/apple-vpp/batching.ts';
import { DEFAULT_LIMITS } from '../../../../shared/application/ports/vpp-client.ts';
import { isVppError } from '../../../../shared/application/ports/vpp-errors.ts';
import { Secret } from '../../../../shared/domain/secret.ts';

const BASE = 'https://vpp.example.test/mdm/v2';
const token = new Secret('c3Vic2NyaXB0aW9uLXRva2Vu');
const meta = { uId: '1', tokenExpirationDate: '2030-11-08T22:33:22+0000' };

/** A fetch answering `service/config` from `limits` (one per read, the last repeats) and the rest from `answer`. */
function scripted(
  limits: Record<string, number>[],
  answer: (path: string, url: URL, body: unknown) => { status?: number; body: unknown },
) {
  const requests: { path: string; url: URL; body: unknown }[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = url.pathname.replace('/mdm/v2/', '');
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ path, url, body });
    if (path === 'service/config') {
      const next = limits.length > 1 ? limits.shift() : limits[0];
      return Response.json({ errorCodes: [], limits: next, notificationTypes: [], urls: {} });
    }
    const { status = 200, body: reply } = answer(path, url, body);
    return Response.json(reply, { status });
  };
  return { fetch: impl as typeof fetch, requests };
}

describe('planSubscriptionBatches', () => {
  const limits = { ...DEFAULT_LIMITS, maxSubscriptions: 2, maxSubscriptionClientUserIds: 3 };

  it('splits every subscription × every user to both limits, without duplicates, keeping the flag', () => {
    const batches = planSubscriptionBatches(
      { adamIds: ['1', '2', '3', '1'], clientUserIds: ['a', 'b', 'c', 'd', 'a'], renewing: false },
      limits,
    );
    expect(batches.map((b) => [b.adamIds, b.clientUserIds])).toEqual([
      [
        ['1', '2'],
        ['a', 'b'],
      ],
      [
        ['1', '2'],
        ['c', 'd'],
      ],
      [['3'], ['a', 'b']],
      [['3'], ['c', 'd']],
    ]);
    expect(batches.every((b) => b.renewing === false && b.deferred === undefined)).toBe(true);
  });

  it('plans nothing without subscriptions or users', () => {
    expect(planSubscriptionBatches({ adamIds: [], clientUserIds: ['a'] }, limits)).toEqual([]);
    expect(planSubscriptionBatches({ adamIds: ['1'], clientUserIds: [] }, limits)).toEqual([]);
  });
});

describe('the subscription calls', () => {
  it('send integer ids and the flag explicitly, and read the event', async () => {
    const { fetch, requests } = scripted([{}], () => ({ body: { eventId: 'event-1', ...meta } }));
    const client = new AppleVppHttpClient({ baseUrl: BASE, fetch });
    const submitted = await client.disassociateSubscriptions(token, {
      adamIds: ['1600000001'],
      clientUserIds: ['u-1'],
      deferred: true,
    });
    expect(submitted.events.map((e) => e.eventId)).toEqual(['event-1']);
    const sent = requests.find((r) => r.path === 'subscriptions/disassociate');
    expect(sent?.body).toEqual({ adamIds: [1600000001], clientUserIds: ['u-1'], deferred: true });
  });

  it('after 9816, reads the limits again and sends the refused batch split to them', async () => {
    const { fetch, requests } = scripted(
      [{ maxSubscriptionClientUserIds: 4 }, { maxSubscriptionClientUserIds: 2 }],
      (path, _url, body) => {
        const users = (body as { clientUserIds: string[] }).clientUserIds;
        if (path === 'subscriptions/associate' && users.length > 2)
          return { status: 400, body: { errorNumber: 9816, errorMessage: 'over the limit' } };
        return { body: { eventId: `event-${users.join('+')}`, ...meta } };
      },
    );
    const client = new AppleVppHttpClient({ baseUrl: BASE, fetch });
    const submitted = await client.associateSubscriptions(token, {
      adamIds: ['1600000001'],
      clientUserIds: ['a', 'b', 'c', 'd'],
      renewing: true,
    });
    expect(submitted.rejected).toEqual([]);
    expect(submitted.events.map((e) => e.eventId)).toEqual(['event-a+b', 'event-c+d']);
    expect(requests.filter((r) => r.path === 'service/config')).toHaveLength(2);
  });

  it('send array filters as repeated keys, and stop a walk whose cursor points at itself', async () => {
    const { fetch, requests } = scripted([{}], () => ({
      body: { subscriptions: [], nextCursor: 'same', versionId: 'v1', ...meta },
    }));
    const client = new AppleVppHttpClient({ baseUrl: BASE, fetch });
    const failed = await client.readSubscriptions(token, { adamIds: ['1', '2'] }).catch((e: unknown) => e);
    expect(isVppError(failed, 'bad_response')).toBe(true);
    const reads = requests.filter((r) => r.path === 'subscriptions');
    expect(reads).toHaveLength(2);
    expect(reads[0]?.url.searchParams.getAll('adamId')).toEqual(['1', '2']);
    expect(reads[1]?.url.searchParams.get('cursor')).toBe('same');
  });

  it('drop what Apple answers beyond the filter (an Apple that ignores it) and report the anomaly', async () => {
    const anomalies: unknown[] = [];
    const { fetch } = scripted([{}], () => ({
      body: {
        assignments: [
          { adamId: 1, clientUserId: 'u-1', renewing: true },
          { adamId: 2, clientUserId: 'u-1', renewing: false },
        ],
        versionId: 'v1',
        ...meta,
      },
    }));
    const client = new AppleVppHttpClient({
      baseUrl: BASE,
      fetch,
      observer: { onAnomaly: (a) => anomalies.push(a) },
    });
    const read = await client.readSubscriptionAssignments(token, { adamIds: ['1'] });
    expect(read.items).toEqual([{ adamId: '1', clientUserId: 'u-1', renewing: true }]);
    expect(anomalies).toEqual([
      { endpoint: 'GET subscriptions/assignments', asked: ['adamId'], received: 2, dropped: 1 },
    ]);
  });
});
