/**
 * The shape of an authenticated request once the router has matched, authenticated and parsed it,
 * and the signature every Apple endpoint handler has.
 */
import type * as z from 'zod';
import { AppleError } from './apple-error.ts';
import type { SimulatorContext } from './context.ts';
import type { LocationRecord, TokenRecord } from './state.ts';

/** A request that passed routing, authentication, rate limit and body parsing. */
export interface AppleRequest {
  readonly method: string;
  /** Relative to `/mdm/v2/`, e.g. `assets/associate`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The parsed JSON body of a POST; undefined for GET. */
  readonly body: unknown;
  readonly location: LocationRecord;
  readonly token: TokenRecord;
}

/** Returns the answer's own fields; the router adds `uId`, `tokenExpirationDate` and `mdmInfo`. */
export type AppleHandler = (ctx: SimulatorContext, req: AppleRequest) => Promise<object> | object;

/** Validates a request body with one of the shared wire schemas; a mismatch is an invalid argument. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new AppleError(9602, { message: `Invalid argument${where}: ${issue?.message ?? 'malformed body'}.` });
}

/** The body as a JSON object, or 9602. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppleError(9602, { message: 'Invalid argument: the body must be a JSON object.' });
  }
  return body as Record<string, unknown>;
}
