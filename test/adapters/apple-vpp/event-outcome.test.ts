import { describe, expect, it } from 'vitest';
import { toEventOutcome } from '../../../shared/adapters/apple-vpp/event-outcome.ts';

const base = { eventType: 'ASSOCIATE' as const, uId: '42' };

describe('toEventOutcome', () => {
  it('tells pending, complete, partial and failed apart', () => {
    expect(
      toEventOutcome('e', { ...base, eventStatus: 'PENDING', numRequested: 4, numCompleted: 1 }).state,
    ).toBe('pending');
    expect(
      toEventOutcome('e', { ...base, eventStatus: 'COMPLETE', numRequested: 4, numCompleted: 4 }).state,
    ).toBe('complete');
    expect(
      toEventOutcome('e', {
        ...base,
        eventStatus: 'FAILED',
        numRequested: 4,
        numCompleted: 2,
        failures: [{ errorNumber: 9709, errorMessage: 'Not enough licenses available.' }],
      }).state,
    ).toBe('partial');
    expect(
      toEventOutcome('e', {
        ...base,
        eventStatus: 'FAILED',
        numRequested: 2,
        numCompleted: 0,
        failures: [{ errorNumber: 9644 }],
      }).state,
    ).toBe('failed');
  });

  it('treats COMPLETE with failures as partial, never complete', () => {
    const outcome = toEventOutcome('e', {
      ...base,
      eventStatus: 'COMPLETE',
      numRequested: 2,
      numCompleted: 1,
      failures: [{ errorNumber: 9609, errorInfo: { clientUserIds: ['u1'] } }],
    });
    expect(outcome.state).toBe('partial');
  });

  it('names each failed subject with Apple number, kind and message (reference §12 c)', () => {
    const outcome = toEventOutcome('0b6f', {
      ...base,
      eventStatus: 'FAILED',
      numRequested: 4,
      numCompleted: 2,
      failures: [
        {
          errorNumber: 9709,
          errorMessage: 'Not enough licenses available.',
          errorInfo: {
            assets: [{ adamId: '2222222222', pricingParam: 'STDQ' }],
            clientUserIds: ['u-5f3a'],
            serialNumbers: ['F9XK21ABCD'],
          },
        },
      ],
    });
    expect(outcome.failures).toEqual([
      {
        errorNumber: 9709,
        errorMessage: 'Not enough licenses available.',
        kind: 'not_enough_licenses',
        assets: [{ adamId: '2222222222', pricingParam: 'STDQ' }],
        clientUserIds: ['u-5f3a'],
        serialNumbers: ['F9XK21ABCD'],
      },
    ]);
  });
});
