import { describe, expect, it } from 'vitest';
import { toEventOutcome } from '../../../../shared/adapters/apple-vpp/event-outcome.ts';

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

  it('is failed when the failures name every task, whatever numCompleted says (an Apple that counts failed tasks)', () => {
    const everyTaskFailed = {
      ...base,
      eventStatus: 'FAILED' as const,
      numRequested: 4,
      numCompleted: 4,
      failures: [
        {
          errorNumber: 9709,
          errorInfo: {
            assets: [
              { adamId: '1', pricingParam: 'STDQ' as const },
              { adamId: '2', pricingParam: 'STDQ' as const },
            ],
            serialNumbers: ['S1'],
          },
        },
        {
          errorNumber: 9609,
          errorInfo: {
            assets: [
              { adamId: '1', pricingParam: 'STDQ' as const },
              { adamId: '2', pricingParam: 'STDQ' as const },
            ],
            clientUserIds: ['u1'],
          },
        },
      ],
    };
    expect(toEventOutcome('e', everyTaskFailed).state).toBe('failed');
    // Users' events name no asset: one task per user.
    expect(
      toEventOutcome('e', {
        eventType: 'CREATE',
        uId: '42',
        eventStatus: 'FAILED',
        numRequested: 2,
        numCompleted: 2,
        failures: [{ errorNumber: 9716, errorInfo: { clientUserIds: ['u1', 'u2'] } }],
      }).state,
    ).toBe('failed');
    // Three of four tasks failed, one done: partial, whichever way Apple counts.
    for (const numCompleted of [1, 4])
      expect(
        toEventOutcome('e', {
          ...everyTaskFailed,
          numCompleted,
          failures: [
            everyTaskFailed.failures[0] as (typeof everyTaskFailed.failures)[number],
            {
              errorNumber: 9609,
              errorInfo: { assets: [{ adamId: '1', pricingParam: 'STDQ' }], clientUserIds: ['u1'] },
            },
          ],
        }).state,
      ).toBe('partial');
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
