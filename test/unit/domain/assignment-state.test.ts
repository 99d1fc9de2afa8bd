import { describe, expect, it } from 'vitest';
import type { AssignmentRecord, AssignmentState } from '../../../shared/domain/assignment.ts';
import {
  type AssignmentFromState,
  type AssignmentMove,
  canMove,
  foundAtApple,
  inFlightState,
  movableFrom,
  next,
  requested,
  settle,
} from '../../../shared/domain/assignment-state.ts';

const AT = '2026-11-26T12:00:00.000Z';
const record = (state: AssignmentState, extra: Partial<AssignmentRecord> = {}): AssignmentRecord => ({
  orgId: 'org',
  accountId: 'acc',
  adamId: '1',
  pricingParam: 'STDQ',
  subjectType: 'device',
  subjectId: 'SERIAL',
  state,
  source: 'manual',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

const STATES: readonly AssignmentFromState[] = [
  'absent',
  'revoked',
  'failed',
  'pending-grant',
  'granted',
  'pending-revoke',
];

/** The table of the module's docblock: the state each move leaves, by the state it starts from. */
const TABLE: Record<AssignmentMove, Partial<Record<AssignmentFromState, AssignmentState>>> = {
  grant: { absent: 'pending-grant', revoked: 'pending-grant', failed: 'pending-grant' },
  revoke: { granted: 'pending-revoke' },
  send: { 'pending-grant': 'pending-grant', 'pending-revoke': 'pending-revoke' },
  'settle-success': { 'pending-grant': 'granted', 'pending-revoke': 'revoked' },
  'settle-failure': { 'pending-grant': 'failed', 'pending-revoke': 'granted' },
  'found-at-apple': { absent: 'granted', revoked: 'granted', failed: 'granted' },
  'gone-at-apple': { granted: 'revoked' },
  'leave-scope': { granted: 'granted' },
  'back-in-scope': { granted: 'granted' },
};

describe('assignment moves', () => {
  for (const [move, row] of Object.entries(TABLE) as [AssignmentMove, (typeof TABLE)[AssignmentMove]][]) {
    for (const from of STATES) {
      const to = row[from];
      it(`${move} from ${from}: ${to ?? 'not allowed'}`, () => {
        // Assess
        expect(canMove(from, move)).toBe(to !== undefined);
        if (from === 'absent') return;
        if (to === undefined) expect(() => next(record(from), move, AT)).toThrow();
        else {
          const moved = next(record(from), move, AT);
          expect(moved.record.state).toBe(to);
          expect(moved.record.updatedAt).toBe(AT);
          expect(moved.from).toEqual([from]);
        }
      });
    }
    it(`${move} may start from what the table says`, () => {
      expect([...movableFrom(move)].sort()).toEqual(Object.keys(row).sort());
    });
  }

  it('no record is the same as absent', () => {
    expect(canMove(undefined, 'grant')).toBe(true);
    expect(canMove(undefined, 'revoke')).toBe(false);
  });

  it('keeps the fields it is not told to change and sets those it is', () => {
    // Prepare
    const granted = record('granted', { jobId: 'old', eventId: 'e', outOfScopeSince: AT });
    // Act
    const moved = next(granted, 'revoke', AT, { jobId: 'job', eventId: undefined });
    // Assess
    expect(moved.record).toEqual({
      ...granted,
      state: 'pending-revoke',
      jobId: 'job',
      eventId: undefined,
      updatedAt: AT,
    });
  });
});

describe('settle', () => {
  const error = { errorNumber: 9709, code: 'apple.not_enough_licenses', reason: 'none left' };
  it.each([
    ['pending-grant', undefined, 'granted', 'unreserve'],
    ['pending-grant', error, 'failed', 'unreserve'],
    ['pending-revoke', undefined, 'revoked', undefined],
    ['pending-revoke', error, 'granted', undefined],
  ] as const)(
    '%s with error %o: %s, on the asset: %s (Apple’s counts are re-read, never moved)',
    (from, why, to, asset) => {
      // Act
      const moved = settle(record(from, { eventId: 'event' }), why, AT);
      // Assess
      expect(moved.record.state).toBe(to);
      expect(moved.record.eventId).toBeUndefined();
      expect(moved.record.error).toEqual(why);
      expect(moved.asset).toBe(asset);
      expect(moved.from).toEqual([from]);
    },
  );

  it('never settles a record that is not in flight', () => {
    expect(() => settle(record('granted'), undefined, AT)).toThrow();
  });
});

describe('requested', () => {
  it.each([
    ['grant', 'pending-grant', ['absent', 'revoked', 'failed']],
    ['revoke', 'pending-revoke', ['granted']],
  ] as const)('a %s waits in %s, written from %o', (kind, state, from) => {
    const { state: _state, ...fields } = record('granted');
    // Act
    const moved = requested(kind, fields);
    // Assess
    expect(inFlightState(kind)).toBe(state);
    expect(moved.record).toEqual({ ...fields, state });
    expect([...moved.from].sort()).toEqual([...from].sort());
  });
});

describe('foundAtApple', () => {
  const subject = {
    orgId: 'org',
    accountId: 'acc',
    adamId: '1',
    pricingParam: 'STDQ',
    subjectType: 'device',
    subjectId: 'SERIAL',
  } as const;

  it("a holding we never knew is Apple's, created now", () => {
    expect(foundAtApple(subject, undefined, AT)).toEqual({
      ...subject,
      state: 'granted',
      source: 'apple',
      createdAt: AT,
      updatedAt: AT,
    });
  });

  it('a revoked or failed record keeps its source, creation and job; its error goes', () => {
    // Prepare
    const failed = record('failed', { jobId: 'job', error: { code: 'x', reason: 'y' }, eventId: 'e' });
    // Assess
    expect(foundAtApple(subject, failed, AT)).toEqual({
      ...subject,
      state: 'granted',
      source: 'manual',
      jobId: 'job',
      createdAt: failed.createdAt,
      updatedAt: AT,
    });
  });

  it.each(['granted', 'pending-grant', 'pending-revoke'] as const)(
    'is never applied to a record %s',
    (state) => {
      expect(() => foundAtApple(subject, record(state), AT)).toThrow();
    },
  );
});
