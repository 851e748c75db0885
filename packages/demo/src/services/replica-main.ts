/**
 * @module Entry point of one replica child process ("Many replicas" section), driven by its parent over IPC.
 *
 * Environment: `REDIS_URL` and `BUS_STREAM` (required), `REPLICA_NAME`. Messages from the parent:
 * `{ type: 'load', spec }` runs one limiter strategy; `{ type: 'publish', count }` publishes events on this replica.
 * Messages to the parent: `{ type: 'ready', port, key }` once connected to Redis and serving `GET /events` on `port`;
 * during a load `{ type: 'call', id }` as each call starts and `{ type: 'call', id, status }` as it ends, then
 * `{ type: 'load-done', report }`; `{ type: 'published', busErrors }` after a publish; `{ type: 'failed', error }`
 * when something throws. The parent ends it with SIGTERM (or kill -9).
 */
import { createClient } from 'redis';
import { startReplicaEvents } from './replica-events.js';
import { runLoad, type LoadSpec } from './replica.js';

/** A message from the parent. */
export type ToReplica = { type: 'load'; spec: LoadSpec } | { type: 'publish'; count: number };

const send = (m: Record<string, unknown>): void => {
  process.send?.(m);
};

const { REDIS_URL: url, BUS_STREAM: stream, REPLICA_NAME: name = String(process.pid) } = process.env;
if (!url || !stream) throw new Error('replica: REDIS_URL and BUS_STREAM must be set');
const client = createClient({ url });
client.on('error', () => {});
await client.connect();
const events = await startReplicaEvents(client, stream);

process.on('message', (m: ToReplica) => {
  if (m.type === 'load') {
    runLoad(m.spec, client, (id, status) => send({ type: 'call', id, status })).then(
      (report) => send({ type: 'load-done', report }),
      (error: unknown) => send({ type: 'failed', error: String(error) }),
    );
  } else if (m.type === 'publish') {
    events.publish(m.count, name);
    send({ type: 'published', busErrors: events.busErrors });
  }
});
process.once('SIGTERM', () => {
  client.destroy();
  process.exit(0);
});
send({ type: 'ready', port: events.port, key: events.key });
