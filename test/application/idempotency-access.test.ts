/**
 * `Idempotency-Key` never answers past authorisation (issue 12): for every route that accepts the
 * header, an org-admin's request with a key is followed by the same request, with the same key, from
 * each other kind of caller. Each gets its own checks (403, 404) or, when allowed, its own job: never
 * the org-admin's cached answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/api/index.ts';
import {
  type Caller,
  eventually,
  jobEnded,
  ORG_ADMIN,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let rt: TestRuntime;
let accountId: string;
let userId: string;
const APP = '361309726';
const SERIAL = 'IDEMP-1';
const LISTED: Caller = { org: 'demo', role: 'admin', email: 'listed@demo.test' };
const UNLISTED: Caller = { org: 'demo', role: 'admin', email: 'unlisted@demo.test' };
const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const OTHER_ORG: Caller = { org: 'other-org', role: 'org-admin', email: 'boss@other.test' };

/** The request of each job-starting route, as an org-admin would send it. */
function requestOf(routeId: string): { method: string; path: string; body?: unknown } {
  const account = `/v1/accounts/${accountId}`;
  switch (routeId) {
    case 'syncAccount':
      return { method: 'POST', path: `${account}/sync` };
    case 'grantLicenses':
      return { method: 'POST', path: `${account}/assets/${APP}/grants`, body: { serialNumbers: [SERIAL] } };
    case 'revokeLicenses':
      return {
        method: 'POST',
        path: `${account}/assets/${APP}/revocations`,
        body: { serialNumbers: [SERIAL] },
      };
    case 'reconcileDeployment':
      return { method: 'POST', path: `${account}/assets/${APP}/deployment/reconcile` };
    case 'inviteUsers':
      return { method: 'POST', path: `${account}/users/invitations`, body: { userIds: [userId] } };
    case 'retireUsers':
      return { method: 'POST', path: `${account}/users/retirements`, body: { userIds: [userId] } };
    case 'removeDevice':
      return { method: 'DELETE', path: `/v1/devices/${SERIAL}` };
    default:
      throw new Error(`no request for the job-starting route ${routeId}: add one`);
  }
}

/** What each caller must get on each route (SPEC §4): its own job (202) or a refusal. */
function expectedFor(routeId: string, caller: Caller): number {
  if (caller === OTHER_ORG) return 404;
  if (routeId === 'removeDevice') return 403;
  if (caller === UNLISTED) return 404;
  if (caller === VIEWER) return 403;
  return 202;
}

beforeAll(async () => {
  rt = await startTestRuntime();
  const created = await rt.call('POST', '/v1/accounts', {
    body: {
      name: 'North',
      email: 'it@demo.test',
      token: rt.tokenFile('demo-north'),
      allowedAdmins: [LISTED.email],
      assignableNetworks: ['net-1'],
    },
  });
  expect(created.status).toBe(201);
  accountId = created.body.id;
  await eventually(async () => (await rt.deps.syncStates.get(accountId))?.lastSyncAt, 30_000, 'first sync');
  const user = await rt.call('POST', `/v1/accounts/${accountId}/users`, {
    body: { email: 'pupil@idem.test' },
  });
  expect(user.status).toBe(201);
  userId = user.body.id;
  expect(
    (await rt.call('PUT', '/v1/devices', { body: [{ serialNumber: SERIAL, networkId: 'net-1' }] })).status,
  ).toBe(200);
  const deployment = await rt.call('PUT', `/v1/accounts/${accountId}/assets/${APP}/deployment`, {
    body: { method: 'device', scope: { networks: [], tags: ['none'] }, autoAssign: false, autoRevoke: false },
  });
  expect(deployment.status).toBe(200);
});
afterAll(async () => {
  await rt?.stop();
});

const jobRoutes = ROUTES.filter((r) => r.startsJob);

describe('Idempotency-Key and authorisation', () => {
  it('covers every route that accepts the header', () => {
    expect(jobRoutes.map((r) => r.id).sort()).toEqual(
      [
        'grantLicenses',
        'inviteUsers',
        'reconcileDeployment',
        'removeDevice',
        'retireUsers',
        'revokeLicenses',
        'syncAccount',
      ].sort(),
    );
  });

  // removeDevice last: it removes the device the grant routes use.
  const ordered = [...jobRoutes].sort(
    (a, b) => Number(a.id === 'removeDevice') - Number(b.id === 'removeDevice'),
  );
  for (const route of ordered) {
    it(`${route.id}: a replayed key gets each caller its own checks, never the first answer`, async () => {
      // Prepare: the org-admin's request with a key.
      const request = requestOf(route.id);
      const key = `replay-${route.id}`;
      const headers = { 'idempotency-key': key };
      const first = await rt.call(request.method, request.path, { body: request.body, headers });
      expect(first.status).toBe(202);
      const firstJob = first.body.job as { id: string; createdBy: string };
      const again = await rt.call(request.method, request.path, { body: request.body, headers });
      expect(again.status).toBe(202);
      expect(again.body.job.id).toBe(firstJob.id);
      await jobEnded(rt, firstJob.id);

      // Act and assess: every other caller with the same key and body.
      for (const caller of [VIEWER, UNLISTED, OTHER_ORG, LISTED]) {
        const answer = await rt.call(request.method, request.path, {
          as: caller,
          body: request.body,
          headers,
        });
        const expected = expectedFor(route.id, caller);
        // An allowed caller's own request may also be refused by a rule (the subject is already
        // busy with the first job): 422 of its own, still not the first answer.
        const allowed = expected === 202 ? [202, 422] : [expected];
        expect({ caller: caller.email, status: answer.status }).toEqual({
          caller: caller.email,
          status: expect.toBeOneOf(allowed),
        });
        if (expected === 202 && answer.status === 202) {
          const job = answer.body.job as { id: string; createdBy: string };
          expect(job.id).not.toBe(firstJob.id);
          expect(job.createdBy).toBe(caller.email);
          // The same caller again: now its own answer is the one replayed.
          const replay = await rt.call(request.method, request.path, {
            as: caller,
            body: request.body,
            headers,
          });
          expect(replay.body.job.id).toBe(job.id);
          await jobEnded(rt, job.id);
        } else {
          expect(JSON.stringify(answer.body)).not.toContain(firstJob.id);
          if (expected !== 202) expect(answer.body.error.code).toMatch(/not_found|forbidden/);
        }
      }
    });
  }

  it('a caller who lost the right since gets the refusal, not its own cached answer', async () => {
    // Prepare: a listed admin's sync with a key, then the admin is taken off the account.
    const request = requestOf('syncAccount');
    const headers = { 'idempotency-key': 'before-removal' };
    const first = await rt.call(request.method, request.path, { as: LISTED, headers });
    expect(first.status).toBe(202);
    await jobEnded(rt, first.body.job.id);
    const unlisted = await rt.call('PATCH', `/v1/accounts/${accountId}`, { body: { allowedAdmins: [] } });
    expect(unlisted.status).toBe(200);

    // Act
    const replay = await rt.call(request.method, request.path, { as: LISTED, headers });

    // Assess
    expect(replay.status).toBe(404);
    expect(JSON.stringify(replay.body)).not.toContain(first.body.job.id);
    await rt.call('PATCH', `/v1/accounts/${accountId}`, { body: { allowedAdmins: [LISTED.email] } });
  });

  it('an org-admin keeps its answer only for its own identity', async () => {
    const request = requestOf('syncAccount');
    const headers = { 'idempotency-key': 'two-org-admins' };
    const first = await rt.call(request.method, request.path, { headers });
    const second = await rt.call(request.method, request.path, {
      as: { ...ORG_ADMIN, email: 'deputy@demo.test' },
      headers,
    });
    expect(second.status).toBe(202);
    expect(second.body.job.id).not.toBe(first.body.job.id);
  });
});
