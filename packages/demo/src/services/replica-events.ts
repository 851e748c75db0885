/**
 * @module The SSE half of a replica: `GET /events` served by a `Broker` on a Redis stream (`redisBus`), so an event
 * published on any replica reaches the clients of every replica, under one id, and a client that comes back to
 * another replica with `Last-Event-ID` gets what it missed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { redisBus, type RedisClient } from '@goscale/redis';
import { Broker } from 'goscale/http';

/** The one topic of the section's app. */
export const TOPIC = 'deploys';

/** A replica's event stream. */
export interface ReplicaEvents {
  readonly port: number;
  /** The bus's Redis key (the stream), for the demo to delete afterwards. */
  readonly key: string;
  /** Publishes `count` events on this replica (each appended to the stream; delivery comes back through it). */
  publish(count: number, from: string): void;
  /** Bus failures heard so far (a lost append, a replay that could not be read). */
  readonly busErrors: number;
}

/**
 * Starts the replica's SSE server on a free loopback port, once its Broker's subscription to the stream is up (a
 * client that connected earlier could miss an event published in between).
 * @param client - the replica's connected node-redis client (the bus duplicates it for its blocking reads).
 * @param stream - the stream's name, the same on every replica.
 * @returns the running stream.
 * @example
 * ```ts
 * const events = await startReplicaEvents(client, 'demo-run-1');
 * ```
 */
export async function startReplicaEvents(client: RedisClient, stream: string): Promise<ReplicaEvents> {
  const bus = redisBus(client, { stream, maxLen: 10_000 });
  let busErrors = 0;
  // retryMs: how soon EventSource reconnects after its replica dies (the browser default is about 3 s).
  const broker = new Broker({ bus, retryMs: 100, onBusError: () => busErrors++ });
  await broker.ready;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/events')) broker.connect(req, res, { topics: [TOPIC] });
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  let seq = 0;
  return {
    port: (server.address() as AddressInfo).port,
    key: bus.key,
    publish(count, from) {
      for (let i = 0; i < count; i++) broker.publish(TOPIC, { data: { n: ++seq, from } });
    },
    get busErrors() {
      return busErrors;
    },
  };
}
