/** The errors a fake throws where DynamoDB refuses a write (the adapters pass these on as they are). */
export function conditionalCheckFailed(what: string): Error {
  const error = new Error(`The conditional request failed: ${what}`);
  error.name = 'ConditionalCheckFailedException';
  return error;
}

export function transactionCancelled(what: string): Error {
  const error = new Error(`Transaction cancelled: ${what}`);
  error.name = 'TransactionCanceledException';
  return error;
}

/**
 * A deep copy, so nothing a caller holds aliases what the fake stores (as with a real table), without
 * the fields that are undefined (the document client removes them on write).
 */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** DynamoDB's string order of sort keys (UTF-8 bytes; code units agree for the keys used here). */
export const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
