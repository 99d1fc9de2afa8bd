/**
 * The pure part of scope reconciliation (SPEC §3, §5.7): who is in scope, in which order licences go
 * when they run short, when a holder out of scope is taken back, and when a refused grant is retried.
 */
import { describe, expect, it } from 'vitest';
import type { AssignmentRecord } from '../../../shared/domain/assignment.ts';
import {
  type Deployment,
  deviceInScope,
  GrantSelection,
  planReconciliation,
  type Subject,
  stableOrder,
  subjectsInScope,
} from '../../../shared/domain/deployment.ts';
import type { Device } from '../../../shared/domain/device.ts';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';

const T0 = '2026-11-01T00:00:00.000Z';
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse(T0) + hours * HOUR);

function device(
  serialNumber: string,
  networkId: string,
  tags: string[],
  extra: Partial<Device> = {},
): Device {
  return {
    orgId: 'o',
    serialNumber,
    networkId,
    tags,
    lastSeenAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function user(id: string, status: VppUser['status'], extra: Partial<VppUser> = {}): VppUser {
  return {
    accountId: 'a',
    id,
    tags: [],
    status,
    source: 'api',
    createdAt: T0,
    updatedAt: T0,
    version: 0,
    ...extra,
  };
}

function deployment(extra: Partial<Deployment> = {}): Deployment {
  return {
    orgId: 'o',
    accountId: 'a',
    adamId: '1',
    pricingParam: 'STDQ',
    method: 'device',
    scope: { networks: [], tags: [] },
    autoAssign: true,
    autoRevoke: true,
    revokeGraceHours: 24,
    createdAt: T0,
    updatedAt: T0,
    updatedBy: 'admin@o.test',
    ...extra,
  };
}

function holder(subjectId: string, extra: Partial<AssignmentRecord> = {}): AssignmentRecord {
  return {
    orgId: 'o',
    accountId: 'a',
    adamId: '1',
    pricingParam: 'STDQ',
    subjectType: 'device',
    subjectId,
    state: 'granted',
    source: 'deployment',
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

const subject = (id: string, since = T0): Subject => ({ type: 'device', id, since });
const ids = (list: readonly { id: string }[]) => list.map((s) => s.id);

describe('scope', () => {
  it.each([
    ['any network, any tag', { networks: [], tags: [] }, true],
    ['its network', { networks: ['net-1'], tags: [] }, true],
    ['another network', { networks: ['net-2'], tags: [] }, false],
    ['one of its tags', { networks: [], tags: ['math', 'lab'] }, true],
    ['a tag it lacks', { networks: [], tags: ['art'] }, false],
    ['its network and a tag it lacks', { networks: ['net-1'], tags: ['art'] }, false],
    ['its network and one of its tags', { networks: ['net-2', 'net-1'], tags: ['lab'] }, true],
  ])('a device on net-1 tagged lab matches %s: %s', (_, scope, expected) => {
    expect(deviceInScope(device('S1', 'net-1', ['lab']), scope)).toBe(expected);
  });

  it('gives device licences only in the account’s assignable networks (none listed: all)', () => {
    const devices = [device('A', 'net-1', ['lab']), device('B', 'net-2', ['lab'])];
    const d = deployment({ scope: { networks: [], tags: ['lab'] } });
    expect(ids(subjectsInScope(d, devices, [], ['net-2']))).toEqual(['B']);
    expect(ids(subjectsInScope(d, devices, [], []))).toEqual(['A', 'B']);
  });

  it('marks an in-scope device of a platform the asset does not run on as refused, and leaves users unchecked', () => {
    const devices = [
      device('MAC', 'net-1', [], { platform: 'macOS' }),
      device('IPAD', 'net-1', [], { platform: 'iPadOS', ownerEmail: 'ana@o.test' }),
      device('NONE', 'net-1', []),
    ];
    const inScope = subjectsInScope(deployment(), devices, [], [], ['iOS', 'visionOS']);
    expect(inScope.map((s) => [s.id, s.refused?.code])).toEqual([
      ['MAC', 'device.platform_unsupported'],
      ['IPAD', undefined],
      ['NONE', undefined],
    ]);
    const users = [user('ana', 'Associated', { email: 'ana@o.test' })];
    const byUser = subjectsInScope(deployment({ method: 'user' }), devices, users, [], ['macOS']);
    expect(byUser.map((s) => [s.id, s.refused])).toEqual([['ana', undefined]]);
  });

  it('takes users who own an in-scope device or carry a scope tag, and only Invited or Associated ones', () => {
    const devices = [
      device('OWNED', 'net-1', ['lab'], { ownerEmail: 'owner@o.test' }),
      device('ELSEWHERE', 'net-9', ['lab'], { ownerEmail: 'other@o.test' }),
    ];
    const users = [
      user('owner', 'Associated', { email: 'owner@o.test' }),
      user('other', 'Associated', { email: 'other@o.test' }),
      user('tagged', 'Invited', { tags: ['lab'] }),
      user('new', 'New', { tags: ['lab'] }),
      user('retired', 'Retired', { tags: ['lab'] }),
    ];
    const d = deployment({ method: 'user', scope: { networks: ['net-1'], tags: ['lab'] } });
    expect(ids(subjectsInScope(d, devices, users, []))).toEqual(['owner', 'tagged']);
  });
});

describe('the plan', () => {
  it('grants the subjects longest in the inventory first, then by id, and reports the rest as shortage', () => {
    const inScope = [subject('Z-OLD', at(0).toISOString()), subject('B', at(2).toISOString())];
    inScope.push(subject('A', at(2).toISOString()), subject('C-NEW', at(5).toISOString()));
    const plan = planReconciliation({
      deployment: deployment(),
      inScope,
      holders: [],
      freeLicenses: 2,
      now: at(6),
    });
    expect(ids(plan.grant)).toEqual(['Z-OLD', 'A']);
    expect(ids(plan.shortage)).toEqual(['B', 'C-NEW']);
  });

  it('skips a refused subject with its reason: neither granted nor shortage, and a licence it holds is kept', () => {
    const refused = { code: 'device.platform_unsupported', reason: 'not for macOS' };
    const plan = planReconciliation({
      deployment: deployment(),
      inScope: [
        subject('OK'),
        { ...subject('MAC'), refused },
        { ...subject('MAC-FAILED'), refused },
        { ...subject('MAC-HOLDS'), refused },
      ],
      holders: [holder('MAC-FAILED', { state: 'failed' }), holder('MAC-HOLDS')],
      freeLicenses: 0,
      now: at(1),
    });
    expect(ids(plan.shortage)).toEqual(['OK']);
    expect(plan.grant).toEqual([]);
    expect(plan.skipped.map((s) => [s.subject.id, s.code, s.reason])).toEqual([
      ['MAC', 'device.platform_unsupported', 'not for macOS'],
      ['MAC-FAILED', 'device.platform_unsupported', 'not for macOS'],
    ]);
    expect(plan.revoke).toEqual([]);
    expect(plan.inGrace).toEqual([]);
  });

  it('neither grants nor reports a shortage without autoAssign', () => {
    const plan = planReconciliation({
      deployment: deployment({ autoAssign: false }),
      inScope: [subject('A')],
      holders: [],
      freeLicenses: 0,
      now: at(1),
    });
    expect(plan.grant).toEqual([]);
    expect(plan.shortage).toEqual([]);
  });

  it('takes back only what the deployment granted, after the grace period', () => {
    const holders = [
      holder('LEFT-NOW'),
      holder('LEFT-EARLIER', { outOfScopeSince: at(1).toISOString() }),
      holder('LEFT-LONG-AGO', { outOfScopeSince: at(-30).toISOString() }),
      holder('MANUAL', { source: 'manual' }),
      holder('STAYS'),
    ];
    const plan = planReconciliation({
      deployment: deployment({ updatedAt: at(-48).toISOString() }),
      inScope: [subject('STAYS')],
      holders,
      freeLicenses: 0,
      now: at(2),
    });
    expect(ids(plan.leftScope.map((h) => ({ id: h.subjectId })))).toEqual(['LEFT-NOW']);
    expect(plan.inGrace).toEqual([
      { subject: expect.objectContaining({ id: 'LEFT-NOW' }), graceEndsAt: at(26).toISOString() },
      { subject: expect.objectContaining({ id: 'LEFT-EARLIER' }), graceEndsAt: at(25).toISOString() },
    ]);
    expect(plan.revoke).toEqual([
      { subject: expect.objectContaining({ id: 'LEFT-LONG-AGO' }), graceEndsAt: at(-6).toISOString() },
    ]);
  });

  it('counts the grace period from the deployment’s last change, when that is later', () => {
    // Out of scope for two days under an earlier deployment, which was then removed and made again.
    const plan = planReconciliation({
      deployment: deployment({ updatedAt: at(10).toISOString() }),
      inScope: [],
      holders: [holder('OLD-MARK', { outOfScopeSince: at(-48).toISOString() })],
      freeLicenses: 0,
      now: at(11),
    });
    expect(plan.revoke).toEqual([]);
    expect(plan.inGrace).toEqual([
      { subject: expect.objectContaining({ id: 'OLD-MARK' }), graceEndsAt: at(34).toISOString() },
    ]);
  });

  it('retries a grant Apple refused for want of licences at once, any other refusal a day later', () => {
    const failed = (id: string, errorNumber: number, code: string) =>
      holder(id, {
        state: 'failed',
        updatedAt: at(0).toISOString(),
        error: { errorNumber, code, reason: 'no' },
      });
    const holders = [
      failed('NO-LICENCE', 9709, 'apple.not_enough_licenses'),
      failed('REFUSED', 9610, 'apple.x'),
    ];
    const inScope = [subject('NO-LICENCE'), subject('REFUSED')];

    const soon = planReconciliation({
      deployment: deployment(),
      inScope,
      holders,
      freeLicenses: 5,
      now: at(1),
    });
    expect(ids(soon.grant)).toEqual(['NO-LICENCE']);
    expect(soon.retryLater).toEqual([
      { subject: expect.objectContaining({ id: 'REFUSED' }), retryAt: at(24).toISOString(), code: 'apple.x' },
    ]);
    // Still nothing free: a shortage, not a grant that would fail again.
    const none = planReconciliation({
      deployment: deployment(),
      inScope,
      holders,
      freeLicenses: 0,
      now: at(1),
    });
    expect(ids(none.grant)).toEqual([]);
    expect(ids(none.shortage)).toEqual(['NO-LICENCE']);

    const nextDay = planReconciliation({
      deployment: deployment(),
      inScope,
      holders,
      freeLicenses: 5,
      now: at(24),
    });
    expect(ids(nextDay.grant)).toEqual(['NO-LICENCE', 'REFUSED']);
    expect(nextDay.retryLater).toEqual([]);
  });
});

describe('the grant selection', () => {
  // 5,000 subjects in a shuffled order, 40 distinct times: ties are broken by id.
  const subjects: Subject[] = Array.from({ length: 5000 }, (_, i) => ({
    type: 'device' as const,
    id: `S${String((i * 7919) % 5000).padStart(5, '0')}`,
    since: `2026-01-${String(1 + ((i * 31) % 28)).padStart(2, '0')}T00:00:00.000Z`,
  }));
  const sorted = [...subjects].sort(stableOrder);

  it('grants the same as sorting every subject, for any number of free licences (trimming as it goes)', () => {
    for (const free of [0, 3, 1200, 4999, 5000, Number.POSITIVE_INFINITY]) {
      const selection = new GrantSelection({ autoAssign: true }, free);
      for (const s of subjects) selection.offer(s);
      const room = Math.min(free, subjects.length);
      expect(selection.result(), String(free)).toEqual({
        grant: sorted.slice(0, room),
        shortage: [],
        shortageCount: subjects.length - room,
      });
    }
  });

  it('lists the shortage when asked, and selects nothing without autoAssign', () => {
    const listed = new GrantSelection({ autoAssign: true }, 10, { listShortage: true });
    for (const s of subjects) listed.offer(s);
    expect(listed.result()).toEqual({
      grant: sorted.slice(0, 10),
      shortage: sorted.slice(10),
      shortageCount: 4990,
    });
    const off = new GrantSelection({ autoAssign: false }, 10);
    for (const s of subjects) off.offer(s);
    expect(off.result()).toEqual({ grant: [], shortage: [], shortageCount: 0 });
  });
});
