/**
 * Apple's App and Book Management API error numbers, what HTTP status Apple pairs them with, and the
 * kind of problem each one is. One table serves the client (to classify answers) and the simulator
 * (to produce them). Apple says to key on numbers only: messages differ between documents.
 * Source: apple-vpp-api.md §8.2–§8.4.
 */

export type VppErrorKind =
  | 'token_expired'
  | 'token_revoked'
  | 'token_invalid'
  | 'throttled'
  | 'limit_exceeded'
  | 'duplicate'
  | 'not_device_assignable'
  | 'not_revocable'
  | 'not_enough_licenses'
  | 'user_not_found'
  | 'user_exists'
  | 'apple_account_conflict'
  | 'unknown_version'
  | 'event_not_found'
  | 'notification_unreachable'
  | 'invalid_request'
  | 'forbidden'
  | 'service_unavailable'
  | 'internal'
  | 'gone'
  | 'not_assigned'
  | 'assigned_by_group'
  | 'subscriptions_in_use'
  // Raised by the client itself, not by an Apple number:
  | 'outcome_unknown'
  | 'bad_response'
  | 'network'
  | 'unexpected';

export interface AppleErrorDefinition {
  readonly errorNumber: number;
  readonly httpStatus: number;
  readonly kind: VppErrorKind;
  readonly message: string;
}

const def = (errorNumber: number, httpStatus: number, kind: VppErrorKind, message: string) =>
  ({ errorNumber, httpStatus, kind, message }) as const;

/** Every error number the service knows, synchronous and asynchronous (§8.2, §8.3, §8.4). */
export const APPLE_ERRORS: readonly AppleErrorDefinition[] = [
  def(9601, 401, 'token_invalid', 'Login required.'),
  def(9602, 400, 'invalid_request', 'Invalid argument.'),
  def(9603, 500, 'internal', 'Internal error.'),
  def(9609, 400, 'user_not_found', 'Registered user not found.'),
  def(
    9621,
    401,
    'token_expired',
    'The sToken has expired. Download a new token from Apple School Manager or Apple Business.',
  ),
  def(9622, 401, 'token_invalid', 'Invalid authentication token.'),
  def(9623, 400, 'invalid_request', 'Invalid Apple Push Notification token.'),
  def(9625, 401, 'token_revoked', 'The sToken has been revoked by the server.'),
  def(9634, 410, 'gone', 'This service is no longer available.'),
  def(9635, 400, 'apple_account_conflict', 'The Apple Account cannot be associated with this user.'),
  def(9637, 403, 'forbidden', 'This operation is not allowed for facilitator accounts.'),
  def(9641, 400, 'apple_account_conflict', 'The Apple Account is already associated with another user.'),
  def(9644, 503, 'service_unavailable', 'The service is in maintenance mode. Retry later.'),
  def(9646, 429, 'throttled', 'Too many requests for this organization. Back off and retry.'),
  def(9647, 403, 'forbidden', 'This operation is not supported for legacy tokens.'),
  def(9650, 400, 'invalid_request', 'Page index is out of range.'),
  def(9700, 400, 'limit_exceeded', 'Too many assets in the request; stay within the limit.'),
  def(9701, 400, 'limit_exceeded', 'Too many clientUserIds in the request; stay within the limit.'),
  def(9702, 400, 'limit_exceeded', 'Too many serialNumbers in the request; stay within the limit.'),
  def(9703, 400, 'duplicate', 'Duplicate assets in the request.'),
  def(9704, 400, 'duplicate', 'Duplicate clientUserIds in the request.'),
  def(9705, 400, 'duplicate', 'Duplicate serialNumbers in the request.'),
  def(9706, 400, 'not_revocable', 'The asset is not revocable.'),
  def(9707, 400, 'not_device_assignable', 'The asset is not device-assignable.'),
  def(9708, 400, 'event_not_found', 'Event not found.'),
  def(9709, 400, 'not_enough_licenses', 'Not enough licenses available.'),
  def(
    9710,
    400,
    'invalid_request',
    'The notification URL and the notification auth token must be given together.',
  ),
  def(9711, 400, 'limit_exceeded', 'The notification URL or auth token is too long.'),
  def(9712, 400, 'invalid_request', 'The notification URL is invalid or not HTTPS.'),
  def(9713, 400, 'limit_exceeded', 'mdmInfo.metadata is too long.'),
  def(9714, 400, 'limit_exceeded', 'Too many users in the request; stay within the limit.'),
  def(9715, 400, 'duplicate', 'Duplicate users in the request.'),
  def(9716, 400, 'user_exists', 'A registered user with this clientUserId already exists.'),
  def(9717, 400, 'invalid_request', 'Invalid email address.'),
  def(9718, 400, 'invalid_request', 'assets is required.'),
  def(9719, 400, 'invalid_request', 'Either clientUserIds or serialNumbers is required.'),
  def(9720, 400, 'invalid_request', 'users is required.'),
  def(9721, 400, 'unknown_version', 'Invalid sinceVersionId.'),
  def(9722, 401, 'token_invalid', 'Invalid Authorization header; it must be "Bearer {sToken}".'),
  def(9723, 400, 'invalid_request', 'mdmInfo needs name, id and metadata.'),
  def(9724, 400, 'limit_exceeded', 'mdmInfo.id is too long.'),
  def(9725, 400, 'limit_exceeded', 'mdmInfo.name is too long.'),
  def(9726, 405, 'invalid_request', 'HTTP method not supported on this endpoint.'),
  def(9727, 415, 'invalid_request', 'Content-Type not supported.'),
  def(
    9728,
    400,
    'notification_unreachable',
    'The notification URL is unreachable: the test notification failed.',
  ),
  def(9729, 503, 'service_unavailable', 'The service is temporarily unavailable. Retry later.'),
  // Volume subscriptions (apple-subscriptions.md §5). 9805 is the (Jul) wording's number for 9816.
  def(
    9805,
    400,
    'limit_exceeded',
    'This request exceeds the maximum subscriptions limit. Change the request to stay within the specified limit.',
  ),
  def(9811, 400, 'invalid_request', 'The subscription association request is invalid.'),
  def(9812, 400, 'invalid_request', 'The provided cursor is invalid.'),
  def(9813, 400, 'invalid_request', 'The provided Adam ID is invalid.'),
  def(
    9814,
    400,
    'user_not_found',
    'Unable to find an associated registered user for the provided clientUserId.',
  ),
  def(9815, 400, 'not_assigned', "The registered user isn't assigned the requested adamId."),
  def(
    9816,
    400,
    'limit_exceeded',
    'This request exceeds the maximum subscriptions limit. Change the request to stay within the specified limit.',
  ),
  def(
    9817,
    400,
    'assigned_by_group',
    'The user is already assigned to this subscription through group membership.',
  ),
  def(
    9818,
    400,
    'subscriptions_in_use',
    "Subscriptions exist for the organizational unit, so subscription management can't be disabled.",
  ),
];

const byNumber = new Map(APPLE_ERRORS.map((e) => [e.errorNumber, e]));

/** The definition of an Apple error number, or undefined when Apple sends one this table does not know. */
export function appleError(errorNumber: number): AppleErrorDefinition | undefined {
  return byNumber.get(errorNumber);
}

/** Kinds that may pass if the same request is tried again later (Apple busy, down, or unreachable). */
export const TRANSIENT_KINDS: ReadonlySet<VppErrorKind> = new Set([
  'throttled',
  'service_unavailable',
  'internal',
  'network',
]);

/** Kinds that say the token itself is the problem: nothing else will work until an admin acts. */
export const TOKEN_ERROR_KINDS: ReadonlySet<VppErrorKind> = new Set([
  'token_expired',
  'token_revoked',
  'token_invalid',
]);

/**
 * What a failure of a call to Apple is, for a worker deciding what to do with it:
 * - `transient`: may pass if tried again later (`TRANSIENT_KINDS`);
 * - `outcome_unknown`: a write whose answer did not show whether Apple took it;
 * - `token`: the token is the problem (`TOKEN_ERROR_KINDS`): nothing passes until an admin acts;
 * - `refused`: Apple said no (its number says why), or answered in a way we do not understand.
 */
export type AppleFailureClass = 'transient' | 'outcome_unknown' | 'token' | 'refused';

export function appleFailureClass(kind: VppErrorKind): AppleFailureClass {
  if (TRANSIENT_KINDS.has(kind)) return 'transient';
  if (kind === 'outcome_unknown') return 'outcome_unknown';
  if (TOKEN_ERROR_KINDS.has(kind)) return 'token';
  return 'refused';
}

/**
 * The calls to Apple that queue workers make, named by where the failure was met:
 * - `license-batch`: a batch of assets/associate or assets/disassociate Apple refused or left unclear;
 * - `license-read`: the reads of the grants and revocations workers before they send (service
 *   limits, the holdings check): nothing of the message was sent;
 * - `revoke`: assets/revoke of a removed device or a retired user, a batch or the whole call;
 * - `user-batch`: a batch of users/create (invitations) or users/retire;
 * - `sync`: a sync's reads.
 */
export type AppleCall = 'license-batch' | 'license-read' | 'revoke' | 'user-batch' | 'sync';

/**
 * What a worker does with the failure:
 * - `retry`: throw `RetryLaterError`, so the queue delivers the message again (after its last
 *   delivery the message waits in the dead-letter queue, and records in flight are resumed by the
 *   hourly stall sweep);
 * - `settle`: end what the call was for as failed, with Apple's number and reason; the message is done;
 * - `give-up`: settle as failed, then throw, so the message reaches the (alarmed) dead-letter queue
 *   too: an outage that outlasted every delivery is worth a look.
 */
export type AppleFailureAction = 'retry' | 'settle' | 'give-up';

/** A queue message's delivery: its receive count and its queue's `maxReceiveCount`. */
export interface Delivery {
  readonly receiveCount: number;
  readonly maxReceiveCount: number;
}

type Rule = readonly [whileDeliveriesLeft: AppleFailureAction, onLastDelivery: AppleFailureAction];

/**
 * The one table of what each worker does with each class of failure. `outcome_unknown` is retried
 * only where sending the same request again is harmless or checked first:
 * - `license-batch`: the redelivery first asks Apple what it holds and sends only the rest (SPEC §5.4);
 *   on the last delivery what is still unsent fails and the message goes to the DLQ;
 * - `revoke`: assets/revoke takes back whatever the subjects still hold, so repeating it changes nothing;
 * - `sync`: only reads, which can always be repeated (the client raises `outcome_unknown` for writes
 *   only, so a sync should never see one; if it does, it is as transient as the rest);
 * - `user-batch`: users/create or users/retire is not checked before sending again: the users fail
 *   with the reason, and the admin asks again.
 */
const APPLE_FAILURE_RULES: Record<AppleCall, Record<AppleFailureClass, Rule>> = {
  'license-batch': {
    transient: ['retry', 'settle'],
    outcome_unknown: ['retry', 'give-up'],
    token: ['settle', 'settle'],
    refused: ['settle', 'settle'],
  },
  'license-read': {
    transient: ['retry', 'retry'],
    outcome_unknown: ['retry', 'retry'],
    token: ['settle', 'settle'],
    refused: ['retry', 'retry'],
  },
  revoke: {
    transient: ['retry', 'settle'],
    outcome_unknown: ['retry', 'settle'],
    token: ['settle', 'settle'],
    refused: ['settle', 'settle'],
  },
  'user-batch': {
    transient: ['retry', 'settle'],
    outcome_unknown: ['settle', 'settle'],
    token: ['settle', 'settle'],
    refused: ['settle', 'settle'],
  },
  sync: {
    transient: ['retry', 'give-up'],
    outcome_unknown: ['retry', 'give-up'],
    token: ['settle', 'settle'],
    refused: ['settle', 'settle'],
  },
};

/** What the worker making `call` does with `error` on this `delivery` of its message. */
export function onAppleFailure(call: AppleCall, error: VppApiError, delivery: Delivery): AppleFailureAction {
  const [whileLeft, onLast] = APPLE_FAILURE_RULES[call][appleFailureClass(error.kind)];
  return delivery.receiveCount < delivery.maxReceiveCount ? whileLeft : onLast;
}

export interface VppErrorInfo {
  readonly assets?: readonly { adamId: string; pricingParam?: string }[];
  readonly clientUserIds?: readonly string[];
  readonly serialNumbers?: readonly string[];
}

export interface VppApiErrorOptions {
  readonly errorNumber?: number;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly errorInfo?: VppErrorInfo;
  readonly endpoint?: string;
  readonly cause?: unknown;
}

/**
 * Any failure of a call to Apple. `kind` says what went wrong; `errorNumber` is Apple's own number when
 * Apple gave one. Messages never contain the content token.
 */
export class VppApiError extends Error {
  override readonly name = 'VppApiError';
  readonly kind: VppErrorKind;
  readonly errorNumber: number | undefined;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly errorInfo: VppErrorInfo | undefined;
  readonly endpoint: string | undefined;

  constructor(kind: VppErrorKind, message: string, options: VppApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.errorNumber = options.errorNumber;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.errorInfo = options.errorInfo;
    this.endpoint = options.endpoint;
  }

  /** Builds the typed error for an Apple error body. Unknown numbers keep their number with kind `unexpected`. */
  static fromApple(
    errorNumber: number,
    errorMessage: string | undefined,
    options: Omit<VppApiErrorOptions, 'errorNumber'> = {},
  ): VppApiError {
    const known = appleError(errorNumber);
    const text = errorMessage?.trim() || known?.message || 'Apple returned an error.';
    return new VppApiError(known?.kind ?? 'unexpected', `Apple error ${errorNumber}: ${text}`, {
      ...options,
      errorNumber,
    });
  }

  get isTokenProblem(): boolean {
    return TOKEN_ERROR_KINDS.has(this.kind);
  }
}

export function isVppError(error: unknown, kind?: VppErrorKind): error is VppApiError {
  return error instanceof VppApiError && (kind === undefined || error.kind === kind);
}
