/**
 * Errors the simulator answers with, built from the shared `APPLE_ERRORS` table so the number, the
 * HTTP status and the message are the ones the client classifies. Handlers throw `AppleError`; the
 * router turns it into the `{errorNumber, errorMessage}` body.
 */
import { appleError } from '#application/ports/vpp-errors.ts';

/** An Apple error answer: number, HTTP status (from the table unless overridden) and message. */
export class AppleError extends Error {
  override readonly name = 'AppleError';
  readonly errorNumber: number;
  readonly httpStatus: number;

  constructor(errorNumber: number, options: { message?: string; httpStatus?: number } = {}) {
    const known = appleError(errorNumber);
    super(options.message ?? known?.message ?? 'Internal error.');
    this.errorNumber = errorNumber;
    this.httpStatus = options.httpStatus ?? known?.httpStatus ?? 500;
  }

  body(): { errorNumber: number; errorMessage: string } {
    return { errorNumber: this.errorNumber, errorMessage: this.message };
  }
}

/** Apple's message for a number (asynchronous failures carry it too). */
export function appleMessage(errorNumber: number): string {
  return appleError(errorNumber)?.message ?? 'Internal error.';
}
