/**
 * Apple's cursor paging of the subscription endpoints (apple-subscriptions.md §3, U14): a cursor is
 * an opaque Base64 token bound to its endpoint, its filters and an offset, with no expiry; one that
 * is garbage or was made for another endpoint or other filters is 9812. `nextCursor` is absent on the
 * last page.
 */
import { AppleError } from './apple-error.ts';

interface CursorContent {
  readonly e: string;
  readonly f: string;
  readonly o: number;
}

const encode = (content: CursorContent) => Buffer.from(JSON.stringify(content)).toString('base64');

function decode(cursor: string, endpoint: string, filters: string): number {
  try {
    const content = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as Partial<CursorContent>;
    if (
      content.e === endpoint &&
      content.f === filters &&
      Number.isInteger(content.o) &&
      (content.o ?? -1) >= 0
    )
      return content.o as number;
  } catch {
    // not one of ours: 9812 below
  }
  throw new AppleError(9812);
}

/** One page of `items` from the request's `cursor` (none: the first page), with the next cursor if any. */
export function cursorPage<T>(
  items: readonly T[],
  cursor: string | undefined,
  bound: { endpoint: string; filters: string },
  pageSize: number,
): { items: T[]; nextCursor?: string } {
  const offset = cursor === undefined ? 0 : decode(cursor, bound.endpoint, bound.filters);
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length
    ? { items: page, nextCursor: encode({ e: bound.endpoint, f: bound.filters, o: next }) }
    : { items: page };
}
