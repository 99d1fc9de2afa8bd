/**
 * Content tokens the simulator issues: real `.vpptoken` contents (base64 of
 * `{token, expDate, orgName}`, reference §2.2), each mapped to its location. A location may hold
 * several at once, as when several content managers download one.
 */
import { encodeContentToken } from '#domain/content-token.ts';
import type { SimulatorContext } from './context.ts';
import { newInnerToken } from './identifiers.ts';
import { requireLocation, SimulatorUsageError } from './state.ts';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Issues a new token file content for the location (default expiry: one year from `now()`). */
export function issueToken(ctx: SimulatorContext, locationId: string, expiresAt?: Date): string {
  const location = requireLocation(ctx.state, locationId);
  const organization = ctx.state.organizations.get(location.organizationId);
  // Apple's file has second precision; keep the record equal to what the file says.
  const expiry = new Date(
    Math.floor((expiresAt ?? new Date(ctx.now().getTime() + ONE_YEAR_MS)).getTime() / 1000) * 1000,
  );
  const content = encodeContentToken({
    token: newInnerToken(location.id),
    expiresAt: expiry,
    orgName: organization?.name ?? location.name,
  });
  ctx.state.tokens.set(content, {
    content,
    locationId: location.id,
    expiresAt: expiry.toISOString(),
    expired: false,
    revoked: false,
  });
  ctx.changed();
  return content;
}

/** The record of a token file content, or a usage error. */
export function findToken(ctx: SimulatorContext, content: string) {
  const token = ctx.state.tokens.get(content.trim());
  if (!token) throw new SimulatorUsageError('unknown token');
  return token;
}

/** Tokens of a location that still work. */
export function usableTokens(ctx: SimulatorContext, locationId: string): string[] {
  const now = ctx.now().getTime();
  return [...ctx.state.tokens.values()]
    .filter(
      (t) => t.locationId === locationId && !t.revoked && !t.expired && new Date(t.expiresAt).getTime() > now,
    )
    .map((t) => t.content);
}
