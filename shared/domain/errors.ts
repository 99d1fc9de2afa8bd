/**
 * Expected failures of the service, each with a stable dotted `code` that callers can branch on and a
 * message a person can act on. `kind` decides the HTTP status in one place (functions/lib/errors.ts).
 * Messages never contain a secret.
 */
export type ErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported' // 415
  | 'rule' // 422
  | 'throttled' // 429
  | 'upstream' // 502: Apple answered, but not as needed
  | 'unavailable'; // 503

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  readonly code: string;
  readonly kind: ErrorKind;
  /** Extra, safe-to-show facts for the caller (e.g. the rejected subjects). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.details = options?.details;
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('invalid', code, message, details ? { details } : undefined);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(what: string, code = `${what.toLowerCase().replace(/\s+/g, '_')}.not_found`) {
    super('not_found', code, `${what} not found.`);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'Your role does not allow this.', code = 'auth.forbidden') {
    super('forbidden', code, message);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('conflict', code, message, details ? { details } : undefined);
  }
}

export class RuleViolationError extends DomainError {
  override readonly name = 'RuleViolationError';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('rule', code, message, details ? { details } : undefined);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
