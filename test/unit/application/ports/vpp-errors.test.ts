import { describe, expect, it } from 'vitest';
import {
  type AppleCall,
  type AppleFailureAction,
  appleFailureClass,
  onAppleFailure,
  VppApiError,
  type VppErrorKind,
} from '../../../../shared/application/ports/vpp-errors.ts';

const first = { receiveCount: 1, maxReceiveCount: 5 };
const last = { receiveCount: 5, maxReceiveCount: 5 };

describe('appleFailureClass', () => {
  it.each([
    ['throttled', 'transient'],
    ['service_unavailable', 'transient'],
    ['internal', 'transient'],
    ['network', 'transient'],
    ['outcome_unknown', 'outcome_unknown'],
    ['token_expired', 'token'],
    ['token_revoked', 'token'],
    ['token_invalid', 'token'],
    ['not_enough_licenses', 'refused'],
    ['user_not_found', 'refused'],
    ['invalid_request', 'refused'],
    ['bad_response', 'refused'],
    ['gone', 'refused'],
    ['unexpected', 'refused'],
  ] as const)('%s is %s', (kind, expected) => {
    expect(appleFailureClass(kind)).toBe(expected);
  });
});

describe('onAppleFailure', () => {
  // [call, kind, while deliveries are left, on the last delivery]
  const TABLE: [AppleCall, VppErrorKind, AppleFailureAction, AppleFailureAction][] = [
    // Associate / disassociate: outages retry, then fail what is unsent; an unknown outcome is
    // checked on the redelivery, and on the last one also goes to the DLQ.
    ['license-batch', 'throttled', 'retry', 'settle'],
    ['license-batch', 'network', 'retry', 'settle'],
    ['license-batch', 'outcome_unknown', 'retry', 'give-up'],
    ['license-batch', 'token_expired', 'settle', 'settle'],
    ['license-batch', 'not_enough_licenses', 'settle', 'settle'],
    // The reads before a send: nothing was sent, the message comes again (then the stall sweep).
    ['license-read', 'service_unavailable', 'retry', 'retry'],
    ['license-read', 'bad_response', 'retry', 'retry'],
    ['license-read', 'token_revoked', 'settle', 'settle'],
    // assets/revoke can be sent again safely, an unknown outcome too.
    ['revoke', 'internal', 'retry', 'settle'],
    ['revoke', 'outcome_unknown', 'retry', 'settle'],
    ['revoke', 'not_revocable', 'settle', 'settle'],
    ['revoke', 'token_invalid', 'settle', 'settle'],
    // users/create and users/retire: an unknown outcome fails the users.
    ['user-batch', 'throttled', 'retry', 'settle'],
    ['user-batch', 'outcome_unknown', 'settle', 'settle'],
    ['user-batch', 'user_exists', 'settle', 'settle'],
    // A sync reads only: an outage that outlasts every delivery fails the job and reaches the DLQ.
    ['sync', 'throttled', 'retry', 'give-up'],
    ['sync', 'outcome_unknown', 'retry', 'give-up'],
    ['sync', 'unknown_version', 'settle', 'settle'],
    ['sync', 'token_expired', 'settle', 'settle'],
  ];

  it.each(TABLE)('%s, %s: %s, on the last delivery %s', (call, kind, whileLeft, onLast) => {
    // Prepare
    const error = new VppApiError(kind, 'Apple failed.');
    // Assess
    expect(onAppleFailure(call, error, first)).toBe(whileLeft);
    expect(onAppleFailure(call, error, { receiveCount: 4, maxReceiveCount: 5 })).toBe(whileLeft);
    expect(onAppleFailure(call, error, last)).toBe(onLast);
  });

  it('counts a delivery past the maximum as the last', () => {
    const error = new VppApiError('throttled', 'Busy.');
    expect(onAppleFailure('revoke', error, { receiveCount: 7, maxReceiveCount: 5 })).toBe('settle');
  });
});
