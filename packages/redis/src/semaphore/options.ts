/**
 * @module Options and stats of `RedisSemaphore`.
 */

export interface RedisSemaphoreOptions {
  /** The semaphore's name; every replica that passes the same key (and the same size) shares it. No `{` or `}`. */
  key: string;
  /** Permits in all: a safe integer from 1 up. Every replica must pass the same. */
  size: number;
  /**
   * How long an entry (a holder's permits, a waiter's place) outlives its process's last refresh, in ms (default
   * 10,000; from 100 up). Refreshes run every `leaseMs / 3` (at most once a second) while the process is alive.
   */
  leaseMs?: number;
}

/** Counters of a `RedisSemaphore`, since it was created. */
export interface RedisSemaphoreStats {
  /** Commands sent to Redis through the client (scripts; pub/sub messages are not counted). */
  roundTrips: number;
  /** Grants learnt from a pub/sub message (no round trip of their own). */
  wakeups: number;
  /** Grants learnt from a refresh: the fallback when a message was lost, or the grant came with the refresh. */
  grantsByPoll: number;
  /** Leases lost (refresh found the grant gone, or no refresh for `leaseMs`). */
  lost: number;
  /** Refreshes, releases and cancels that could not reach Redis. */
  redisErrors: number;
}
