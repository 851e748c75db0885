/**
 * @module `Script`: one Lua script run by EVALSHA, loaded again on NOSCRIPT.
 * @internal
 */
import { createHash } from 'node:crypto';
import { isReplyError, type RedisClient } from './client.js';

/**
 * One atomic step of an adapter. `run` sends EVALSHA; when the server does not know the script (it restarted, failed
 * over, or ran SCRIPT FLUSH) it answers NOSCRIPT and `run` sends EVAL once, which also caches the script again. So a
 * call costs one round trip, two right after a restart.
 *
 * Errors a script raises on purpose start with `owner:` and say which key holds what; Redis' own WRONGTYPE (a key of
 * the primitive holds someone else's data) is rethrown naming the keys, never retried.
 */
export class Script {
  readonly sha: string;

  constructor(
    readonly owner: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; `counter.roundTrips` counts the commands sent (1, or 2 after NOSCRIPT). */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly string[],
    counter?: { roundTrips: number },
  ): Promise<unknown> {
    // node-redis queues commands while it reconnects; an adapter wants to know at once (and apply its policy).
    if (!client.isReady) throw new RedisOfflineError(this.owner);
    const tail = [String(keys.length), ...keys, ...args];
    if (counter) counter.roundTrips++;
    try {
      return await client.sendCommand(['EVALSHA', this.sha, ...tail]);
    } catch (error) {
      if (!isReplyError(error)) throw error;
      if (!error.message.startsWith('NOSCRIPT')) throw this.#explain(error, keys);
    }
    if (counter) counter.roundTrips++;
    try {
      return await client.sendCommand(['EVAL', this.source, ...tail]);
    } catch (error) {
      throw isReplyError(error) ? this.#explain(error, keys) : error;
    }
  }

  #explain(error: Error, keys: readonly string[]): Error {
    const own = error.message.indexOf(`${this.owner}:`);
    if (own !== -1) return new TypeError(error.message.slice(own), { cause: error });
    if (/WRONGTYPE/.test(error.message)) {
      return new TypeError(
        `${this.owner}: one of the keys ${keys.join(', ')} holds a value of another type (someone else's data?): ${error.message}`,
        { cause: error },
      );
    }
    return error;
  }
}

/** Thrown when the client is not connected (node-redis is reconnecting, or was closed). */
export class RedisOfflineError extends Error {
  constructor(owner: string) {
    super(`${owner}: the Redis client is not connected (reconnecting or closed)`);
    this.name = 'RedisOfflineError';
  }
}
