/** The two refusals the repositories turn into answers; any other error is thrown on. */
const nameOf = (error: unknown): unknown => (error as { name?: unknown } | undefined)?.name;

/** A conditional write whose condition did not hold. */
export const isConditionFailed = (error: unknown): boolean =>
  nameOf(error) === 'ConditionalCheckFailedException';

/** A transaction refused as a whole: a condition of one of its items failed, or another transaction held one. */
export const isTransactionCancelled = (error: unknown): boolean =>
  nameOf(error) === 'TransactionCanceledException';
