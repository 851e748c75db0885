/**
 * @module The error a channel reports when it is used after `close()`.
 */

/**
 * Thrown (or, from a method that returns a promise, rejected with) when a value is sent on a closed channel, when a
 * sender is still blocked at the moment the channel is closed, when a `select` has a send case on a closed channel, and
 * when a channel is closed twice. Go panics in all of these cases: each is a programming mistake in the code that owns
 * the channel, so the message names the operation (`channel: send on closed channel`).
 *
 * A failed send leaves the channel unchanged: the value is not buffered and no receiver gets it.
 *
 * @example
 * ```ts
 * try {
 *   await ch.send(v);
 * } catch (error) {
 *   if (error instanceof ChannelClosedError) return; // the consumer is gone
 *   throw error;
 * }
 * ```
 */
export class ChannelClosedError extends Error {
  /**
   * @param message - what was attempted; defaults to Go's wording for a send.
   */
  constructor(message = 'channel: send on closed channel') {
    super(message);
    this.name = 'ChannelClosedError';
  }
}
