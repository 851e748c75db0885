/**
 * @module Options of `redisBus`.
 */

export interface RedisBusOptions {
  /**
   * The stream's name; every replica that passes the same name serves the same events. The Redis key is
   * `goscale:bus:{<stream>}` (its own hash tag, so it works on Redis Cluster). No `{` or `}`.
   */
  stream: string;
  /**
   * Entries kept for replay to reconnecting clients: `XADD … MAXLEN ~ maxLen`, so Redis keeps at least this many
   * (and trims in whole nodes of about 100 past it). A safe integer from 1 up; default 10,000.
   */
  maxLen?: number;
}
