/**
 * @module The node-redis client type the adapters accept, and how they tell a lost connection from a Redis error.
 * @internal
 */
import { ErrorReply, type RedisClientType } from 'redis';

/**
 * A connected node-redis 6 client, whatever modules, scripts or RESP version it was created with: the adapters
 * only send raw commands through it, and `duplicate()` it for the connections they own (blocking reads, pub/sub).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RedisClient = RedisClientType<any, any, any, any, any>;

/** Whether `error` is Redis answering with an error (a script error, WRONGTYPE), not a lost connection. */
export function isReplyError(error: unknown): error is ErrorReply {
  return error instanceof ErrorReply;
}

/** Throws a TypeError unless `client` looks like a node-redis client. */
export function checkClient(owner: string, client: unknown): asserts client is RedisClient {
  const c = client as Partial<RedisClient> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.sendCommand !== 'function' ||
    typeof c.duplicate !== 'function'
  ) {
    throw new TypeError(
      `${owner}: expected a node-redis client (createClient() from 'redis'), got ${String(client)}`,
    );
  }
}
