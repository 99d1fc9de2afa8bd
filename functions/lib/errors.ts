/**
 * One table from error to answer for the API: an HTTP status and body. Only safe messages leave: a
 * 5xx never carries internal detail. (Queue workers: what an Apple failure becomes, retry, settle or
 * the dead-letter queue, is `onAppleFailure` in shared/application/ports/vpp-errors.ts.)
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { ZodError } from 'zod';
import { isVppError, type VppApiError } from '../../shared/application/ports/vpp-errors.ts';
import { DomainError, type ErrorKind } from '../../shared/domain/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  rule: 422,
  throttled: 429,
  upstream: 502,
  unavailable: 503,
};

export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/** At most this many issues are described, each cut to `MAX_ISSUE_CHARS`: an answer stays small. */
const MAX_ISSUES = 20;
const MAX_ISSUE_CHARS = 300;
/** Fields whose rule is named but never described further (a message could quote what was sent). */
const SECRET_FIELD = /token|secret|code|password|authorization/i;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Describes zod issues by path and rule, never echoing the values sent: at most 20 issues, each a
 * few hundred characters (a body with 100,000 unknown keys gets a short answer), and nothing but the
 * path of a field that holds a secret.
 */
export function describeZodError(error: ZodError): string {
  const described = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.length > 0 ? cut(issue.path.map(String).join('.'), 100) : 'body';
    const secret = issue.path.some((p) => typeof p === 'string' && SECRET_FIELD.test(p));
    return cut(`${path}: ${secret ? 'is not valid' : issue.message}`, MAX_ISSUE_CHARS);
  });
  const more = error.issues.length - described.length;
  return `${described.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** Apple's failures as the API reports them when a use case let one through. */
function fromVpp(error: VppApiError): ErrorAnswer {
  switch (error.kind) {
    case 'token_expired':
      return {
        status: 422,
        code: 'token.expired',
        message: 'The content token has expired: upload a new one (PUT .../token).',
      };
    case 'token_revoked':
      return {
        status: 422,
        code: 'token.revoked',
        message: 'Apple has revoked the content token: upload a new one (PUT .../token).',
      };
    case 'token_invalid':
      return {
        status: 422,
        code: 'token.invalid',
        message: 'Apple does not accept the content token: upload a new one (PUT .../token).',
      };
    case 'throttled':
      return {
        status: 503,
        code: 'apple.throttled',
        message: 'Apple is throttling requests for this location. Try again shortly.',
        headers: { 'retry-after': String(Math.ceil((error.retryAfterMs ?? 30_000) / 1000)) },
      };
    case 'service_unavailable':
    case 'internal':
    case 'network':
    case 'outcome_unknown':
    case 'bad_response':
    case 'gone':
      return {
        status: 502,
        code: 'apple.unavailable',
        message: "Apple's service did not answer as expected. Try again later.",
      };
    default:
      return {
        status: 502,
        code: 'apple.refused',
        message: `Apple refused the request (error ${error.errorNumber ?? 'unknown'}).`,
        ...(error.errorNumber === undefined
          ? {}
          : { details: { appleError: { errorNumber: error.errorNumber } } }),
      };
  }
}

export function toErrorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof DomainError) {
    return {
      status: STATUS[error.kind],
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      code: 'request.invalid',
      message: `The request is not valid: ${describeZodError(error)}.`,
    };
  }
  if (isVppError(error)) return fromVpp(error);
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return {
      status: 409,
      code: 'idempotency.in_progress',
      message: 'A request with this Idempotency-Key is still being processed.',
    };
  }
  if (error instanceof IdempotencyValidationError) {
    return {
      status: 422,
      code: 'idempotency.key_reused',
      message: 'This Idempotency-Key was used within 24 hours for a different request.',
    };
  }
  return {
    status: 500,
    code: 'internal',
    message: 'Something went wrong on our side. The request id in the logs identifies it.',
  };
}
