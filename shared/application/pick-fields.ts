/**
 * The named fields of a record, leaving out those it lacks (an answer never carries `undefined`). A
 * view lists its fields once: the type, this copy and the contract's schema all come from the list.
 */
export function pickFields<T extends object, const K extends keyof T>(
  record: T,
  fields: readonly K[],
): Pick<T, K> {
  const view: Partial<Pick<T, K>> = {};
  for (const field of fields) if (record[field] !== undefined) view[field] = record[field];
  return view as Pick<T, K>;
}
