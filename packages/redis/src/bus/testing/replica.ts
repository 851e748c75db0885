/**
 * @module A replica process for the bus tests and benchmark: a Broker (over `redisBus`, or alone with `none`) behind
 * an HTTP server. Args: `url|none stream`. Tells 'ready' with its port, 'busError' for each bus failure; on
 * 'publish' { topic, prefix, count, stamp, when } publishes `count` events (data `<prefix><i>`, plus ` <ms>`
 * with `stamp`; one per `intervalMs` if given) once its client is connected (or, with `when: 'offline'`, once it is not) and tells 'published'; on 'close' shuts down.
 * @internal
 */
import { Broker } from 'goscale/http';
import { createClient } from 'redis';
import { redisBus, type RedisBus } from '../../index.js';
import { tell, type Message } from '../../testing/replica.js';
import { serve } from './sse.js';

const [url, stream] = process.argv.slice(2) as [string, string];
const now = (): number => performance.timeOrigin + performance.now();

const client = url === 'none' ? undefined : createClient({ url, socket: { reconnectStrategy: () => 20 } });
client?.on('error', () => {}); // the bus reports what matters through onBusError
await client?.connect();
const bus: RedisBus | undefined = client && redisBus(client, { stream, maxLen: 10_000 });
const broker = new Broker({
  bus,
  retryMs: 50,
  heartbeatMs: Infinity,
  bufferSize: 1024,
  ...(bus && { onBusError: (e: unknown) => tell({ type: 'busError', message: String(e) }) }),
});
await broker.ready;
const http = await serve(broker);
tell({ type: 'ready', port: http.port });

process.on('message', (m: Message) => {
  if (m.type === 'publish') void publish(m);
  else if (m.type === 'close') void close();
});

async function publish(m: Message): Promise<void> {
  // `offline`: publish once this replica has noticed Redis is gone; otherwise once it is connected.
  const ready = m.when !== 'offline';
  while (client !== undefined && client.isReady !== ready) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < (m.count as number); i++) {
    if (typeof m.intervalMs === 'number' && i > 0)
      await new Promise((r) => setTimeout(r, m.intervalMs as number));
    broker.publish(m.topic as string, {
      data: `${m.prefix as string}${i}${m.stamp === true ? ` ${now()}` : ''}`,
    });
  }
  tell({ type: 'published' });
}

async function close(): Promise<void> {
  broker.close();
  await http.close();
  await bus?.close();
  client?.destroy();
  process.disconnect();
}
