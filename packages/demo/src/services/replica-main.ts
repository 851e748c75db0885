/**
 * @module Entry point of one replica child process ("Many replicas" section), driven by its parent over IPC.
 *
 * Environment: `REDIS_URL` (required). Messages from the parent: `{ type: 'load', spec }` runs one strategy.
 * Messages to the parent: `{ type: 'ready' }` once connected to Redis; during a load `{ type: 'call', id }` as each
 * call starts and `{ type: 'call', id, status }` as it ends, then `{ type: 'load-done', report }`;
 * `{ type: 'failed', error }` when something throws. The parent ends it with SIGTERM (or kill -9).
 */
import { createClient } from 'redis';
import { runLoad, type LoadSpec } from './replica.js';

/** A message from the parent. */
export type ToReplica = { type: 'load'; spec: LoadSpec };

const send = (m: Record<string, unknown>): void => {
  process.send?.(m);
};

const url = process.env.REDIS_URL;
if (!url) throw new Error('replica: REDIS_URL is not set');
const client = createClient({ url });
client.on('error', () => {});
await client.connect();

process.on('message', (m: ToReplica) => {
  if (m.type === 'load') {
    runLoad(m.spec, client, (id, status) => send({ type: 'call', id, status })).then(
      (report) => send({ type: 'load-done', report }),
      (error: unknown) => send({ type: 'failed', error: String(error) }),
    );
  }
});
process.once('SIGTERM', () => {
  client.destroy();
  process.exit(0);
});
send({ type: 'ready' });
