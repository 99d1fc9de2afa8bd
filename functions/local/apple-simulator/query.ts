/**
 * Query-string parameters of Apple's GET endpoints. A malformed value is an invalid argument (9602);
 * booleans accept `true`/`false` (and `1`/`0`, which older clients send).
 */
import { AppleError } from './apple-error.ts';

/** A boolean parameter, undefined when absent. */
export function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = raw.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new AppleError(9602, { message: `Invalid argument: ${name} must be true or false.` });
}

/** An integer parameter, undefined when absent. */
export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw))
    throw new AppleError(9602, { message: `Invalid argument: ${name} must be an integer.` });
  return Number(raw);
}

/** A text parameter; empty counts as absent. */
export function stringParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

/** A parameter limited to a few values (`pricingParam`, `productType`). */
export function enumParam<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = stringParam(query, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new AppleError(9602, {
      message: `Invalid argument: ${name} must be one of ${allowed.join(', ')}.`,
    });
  }
  return raw as T;
}
