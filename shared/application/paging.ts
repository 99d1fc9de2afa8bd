/**
 * Paging of lists the service holds whole in memory (an account's assets, an asset's holders): sorted
 * by a stable key, the opaque cursor names the last key served. A cursor that does not decode is a 400.
 */
import { ValidationError } from '../domain/errors.ts';

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  limit: number,
  cursor: string | undefined,
): Page<T> {
  let after: string | undefined;
  if (cursor !== undefined) {
    try {
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
      if (typeof decoded.after !== 'string') throw new Error('no key');
      after = decoded.after;
    } catch {
      throw new ValidationError(
        'cursor.invalid',
        'The cursor is not valid for this list: start again without it.',
      );
    }
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = after === undefined ? 0 : sorted.findIndex((item) => key(item) > after);
  const slice = start < 0 ? [] : sorted.slice(start, start + limit);
  const last = slice.at(-1);
  const more = start >= 0 && start + limit < sorted.length && last !== undefined;
  return {
    items: slice,
    ...(more ? { nextCursor: Buffer.from(JSON.stringify({ after: key(last) })).toString('base64url') } : {}),
  };
}
