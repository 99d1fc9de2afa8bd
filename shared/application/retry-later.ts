/** Thrown by a worker's use case to have the queue deliver the message again (Apple was only busy). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}
