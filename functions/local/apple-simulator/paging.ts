/**
 * Apple's page-index paging (reference §7): zero-based `pageIndex`, `nextPageIndex` only when another
 * page exists, `size` = records on this page, `totalPages`. An empty result is one empty page
 * (`totalPages: 1`), so `pageIndex=0` is always valid and the last page is always `totalPages − 1`;
 * any other index out of range answers 9650.
 */
import { AppleError } from './apple-error.ts';
import { integerParam } from './query.ts';

/** The paging fields of Apple's list answers. */
export interface PageMeta {
  readonly currentPageIndex: number;
  readonly nextPageIndex?: number;
  readonly size: number;
  readonly totalPages: number;
}

/** The `pageIndex` asked for (default 0); negative is out of range (9650). */
export function requestedPage(query: URLSearchParams): number {
  const pageIndex = integerParam(query, 'pageIndex') ?? 0;
  if (pageIndex < 0) throw new AppleError(9650);
  return pageIndex;
}

/** One page of the items, or 9650 when the index is beyond the last page. */
export function paginate<T>(
  items: readonly T[],
  pageIndex: number,
  pageSize: number,
): { items: T[]; meta: PageMeta } {
  const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
  if (pageIndex >= totalPages) throw new AppleError(9650);
  const page = items.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize);
  const meta: PageMeta = {
    currentPageIndex: pageIndex,
    ...(pageIndex + 1 < totalPages && { nextPageIndex: pageIndex + 1 }),
    size: page.length,
    totalPages,
  };
  return { items: page, meta };
}
