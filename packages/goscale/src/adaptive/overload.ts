/**
 * @module The default overload test: HTTP 429 and 503 carried on an error, and `TimeoutError`.
 */

/**
 * Whether `error` says the other side is overloaded: an object whose `status` or `statusCode` is 429 (Too Many
 * Requests) or 503 (Service Unavailable), or an error named `TimeoutError` (what `AbortSignal.timeout()` aborts
 * with). Anything else, including 500 and a plain `AbortError`, is not an overload. What `adaptive()` uses unless
 * given its own `isOverload`.
 *
 * @param error - what a task rejected with.
 * @returns true when it marks an overload.
 * @example
 * ```ts
 * isOverloadError(Object.assign(new Error('busy'), { status: 503 })) // true
 * ```
 */
export function isOverloadError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, status, statusCode } = error as { name?: unknown; status?: unknown; statusCode?: unknown };
  if (name === 'TimeoutError') return true;
  const code = status ?? statusCode;
  return code === 429 || code === 503;
}

/** Whether `error` is a caller's abort (an `AbortError`): such a task is not a sample. @internal */
export function isAbortError(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'AbortError';
}
