/**
 * @module Loopback fixtures of the SSE tests: a real `node:http` server whose requests become clients of a Broker, and
 * a streaming reader.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Broker, SseClient } from '../broker.js';

/** A loopback server whose every request becomes a client of `broker`; `?topics=a,b` picks topics. */
export async function serve(broker: Broker) {
  const clients: SseClient[] = [];
  const responses: http.ServerResponse[] = [];
  const lastIds: (string | string[] | undefined)[] = [];
  const server = http.createServer((req, res) => {
    const topics = new URL(req.url ?? '/', 'http://x').searchParams.get('topics');
    lastIds.push(req.headers['last-event-id']);
    responses.push(res);
    clients.push(broker.connect(req, res, topics === null ? {} : { topics: topics.split(',') }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const stop = async (): Promise<void> => {
    broker.close();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return { server, port, url: `http://127.0.0.1:${port}`, clients, responses, lastIds, stop };
}

/** A streaming reader: `text` grows as bytes arrive; `until(fn)` resolves once `fn(text)` holds. */
export async function open(port: number, path = '/', headers: http.OutgoingHttpHeaders = {}) {
  const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  const reader = { req, res, text: '', ended: false, until };
  let wake: (() => void) | undefined;
  res.setEncoding('utf8');
  res.on('data', (s: string) => {
    reader.text += s;
    wake?.();
  });
  res.on('end', () => {
    reader.ended = true;
    wake?.();
  });
  res.on('close', () => {
    gone = true;
    wake?.();
  });
  res.on('error', () => {});
  let gone = false;
  async function until(fn: (text: string) => boolean): Promise<string> {
    while (!fn(reader.text)) {
      if (gone) throw new Error(`stream ended before the condition held; got ${JSON.stringify(reader.text)}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return reader.text;
  }
  return reader;
}

export function connectionCount(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}
