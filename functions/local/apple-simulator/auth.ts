/**
 * Authentication of Apple endpoints (reference §2.2): `Authorization: Bearer <whole .vpptoken file
 * content>`. Several tokens may map to one location. Checks in order: header shape (9722), known token
 * (`unknownTokenError`, 9622 by default), revoked (9625), expired by the simulator's clock (9621).
 */
import { AppleError } from './apple-error.ts';
import type { SimulatorContext } from './context.ts';
import type { LocationRecord, TokenRecord } from './state.ts';

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The location and token behind an `Authorization` header, or the Apple error that refuses it. */
export function authenticate(
  ctx: SimulatorContext,
  header: string | undefined,
): { location: LocationRecord; token: TokenRecord } {
  const match = header === undefined ? null : BEARER.exec(header);
  const bearer = match?.[1];
  if (bearer === undefined) throw new AppleError(9722);
  const token = ctx.state.tokens.get(bearer);
  const location = token && ctx.state.locations.get(token.locationId);
  if (!token || !location) throw new AppleError(ctx.options.unknownTokenError);
  if (token.revoked) throw new AppleError(9625);
  if (token.expired || new Date(token.expiresAt).getTime() <= ctx.now().getTime()) throw new AppleError(9621);
  return { location, token };
}
