/**
 * @module Options, reservation and stats types of `RedisLimiter`.
 */

/** What a `RedisLimiter` call does when Redis cannot be reached (the client is reconnecting, or a command fails). */
export type RedisErrorPolicy = 'reject' | 'allow' | 'local';

export interface RedisLimiterOptions {
  /** The bucket's name; every replica that passes the same key shares one bucket. No `{` or `}`. */
  key: string;
  /** Tokens per second for all replicas together: a finite number above 0. */
  rate: number;
  /** The bucket's size: the most tokens taken at once. An integer from 1 up. */
  burst: number;
  /**
   * When Redis is unreachable: `'reject'` (default) rejects the call with the error, `'allow'` lets it through, and
   * `'local'` falls back to an in-process `Limiter` of `rate / replicas` (burst unchanged) until Redis answers again.
   */
  onRedisError?: RedisErrorPolicy;
  /** How many replicas share the key; required with `onRedisError: 'local'`. */
  replicas?: number;
}

/** The answer of `reserve`: the tokens are the caller's after `delayMs`. */
export interface RedisReservation {
  /** False when nothing was reserved (`n` exceeds the burst). */
  ok: boolean;
  /** How long to wait before acting (0: now; `Infinity` when not ok). */
  delayMs: number;
  /** Gives the tokens back when no later reservation depends on them and they are not due yet; idempotent. */
  cancel(): Promise<void>;
}

/** Counters of a `RedisLimiter`, since it was created. */
export interface RedisLimiterStats {
  /** Commands sent to Redis (a call is one; a call right after a script cache flush is two). */
  roundTrips: number;
  /** Calls that could not reach Redis. */
  redisErrors: number;
  /** Of those, calls rejected (`'reject'`), let through (`'allow'`), or served by the local limiter (`'local'`). */
  rejectedOnError: number;
  allowedOnError: number;
  local: number;
  /** Reservations given back by aborted waits and cancels. */
  givenBack: number;
}
