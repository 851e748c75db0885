import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import compression from 'compression';
import express from 'express';
import { Broker, gracefulShutdown, type GracefulShutdownOptions } from 'goscale/http';
import { EventSource } from './testing/eventsource.js';
import { rawClient, get } from '../shutdown/testing/helpers.js';

// #region express-recipe
export function serveExpress(port: number, options: GracefulShutdownOptions = {}) {
  const broker = new Broker({ historySize: 1000 });
  const app = express();
  app.use(compression()); // the Broker's `Cache-Control: no-transform` makes it pass the stream through
  app.get('/events', (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*'); // headers set before connect are kept
    const topic = typeof req.query.topic === 'string' ? req.query.topic : 'news';
    broker.connect(req, res, { topics: [topic] });
  });
  app.post('/news', express.json(), (req, res) => {
    broker.publish('news', { event: 'headline', data: req.body });
    res.status(204).end();
  });
  const server = app.listen(port);
  const lifecycle = gracefulShutdown(server, options);
  // The drain waits for open streams, so end them when it starts.
  lifecycle.signal.addEventListener('abort', () => broker.close({ event: { event: 'bye', data: '' } }));
  return { server, broker, lifecycle };
}
// #endregion

async function start() {
  const served = serveExpress(0, { signals: [], exit: false });
  await once(served.server, 'listening');
  return { ...served, port: (served.server.address() as AddressInfo).port };
}

async function stop(server: Server, shutdown: () => Promise<void>): Promise<void> {
  server.closeAllConnections();
  await shutdown();
}

describe('Broker under Express 5 (the README recipe)', () => {
  it('streams events through compression() unbuffered, keeping the headers set before connect', async () => {
    const s = await start();
    const c = await rawClient(s.port);
    c.socket.write(get('/events?topic=news', 'Accept-Encoding: gzip, deflate, br\r\n'));
    await c.waitFor('id: 0\n\n');
    const res = await fetch(`http://127.0.0.1:${s.port}/news`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'hello' }),
    });
    assert.equal(res.status, 204);
    // Compressed, the event would sit in zlib's buffer until many more bytes came: it arrives at once, as text.
    await c.waitFor('event: headline\nid: 1\ndata: {"title":"hello"}\n\n');
    const head = c.text().split('\r\n\r\n')[0]!.toLowerCase();
    assert.match(head, /cache-control: no-cache, no-transform/);
    assert.match(head, /access-control-allow-origin: \*/);
    assert.doesNotMatch(head, /content-encoding/);
    c.socket.destroy();
    await stop(s.server, () => s.lifecycle.shutdown());
  });

  it('does not override a header the application set before connect', async () => {
    const broker = new Broker();
    const app = express();
    app.get('/events', (req, res) => {
      res.setHeader('Cache-Control', 'private, no-cache, no-transform');
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      broker.connect(req, res);
    });
    const server = app.listen(0);
    await once(server, 'listening');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    assert.equal(res.headers.get('cache-control'), 'private, no-cache, no-transform');
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    broker.close();
    await res.body?.cancel();
    server.closeAllConnections();
    server.close();
  });

  it('ends the streams when the drain starts, so that the shutdown completes', async () => {
    const s = await start();
    const c = await rawClient(s.port);
    c.socket.write(get('/events'));
    await c.waitFor('id: 0\n\n');
    await s.lifecycle.shutdown();
    await c.closed;
    assert.match(c.text(), /event: bye\ndata: \n\n\r\n0\r\n\r\n$/);
    assert.equal(s.broker.closed, true);
  });

  it('replays to the real eventsource client after a reconnect, with a non-ASCII id', async () => {
    const s = await start();
    const url = `http://127.0.0.1:${s.port}/events?topic=intl`;
    s.broker.publish('intl', { data: 'first', id: 'été-1' });
    const source = new EventSource(url);
    const got: { data: string; id: string }[] = [];
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => void (got.length >= n && resolve());
        source.addEventListener('message', check);
        check();
      });
    source.addEventListener('message', (e) => {
      const m = e as MessageEvent;
      got.push({ data: String(m.data), id: m.lastEventId });
    });
    await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }));
    s.broker.publish('intl', { data: 'second', id: 'été-2' });
    await seen(1);
    // Cut the stream: eventsource reconnects with Last-Event-ID 'été-2', sent as UTF-8 bytes.
    s.server.closeAllConnections();
    s.broker.publish('intl', { data: 'third', id: 'été-3' });
    await seen(2);
    source.close();
    assert.deepEqual(got, [
      { data: 'second', id: 'été-2' },
      { data: 'third', id: 'été-3' },
    ]);
    await stop(s.server, () => s.lifecycle.shutdown());
  });

  it('decodes a UTF-8 Last-Event-ID sent as raw bytes', async () => {
    const s = await start();
    s.broker.publish('news', { data: 'a', id: 'ünï-1' });
    s.broker.publish('news', { data: 'b', id: 'ünï-2' });
    const c = await rawClient(s.port);
    // node:http reads these bytes as latin1 ('Ã¼nÃ¯-1'); the broker must still find 'ünï-1'.
    c.socket.write(Buffer.from(get('/events', 'Last-Event-ID: ünï-1\r\n'), 'utf8'));
    await c.waitFor('data: b\n\n');
    assert.doesNotMatch(c.text(), /goscale-reset/);
    c.socket.destroy();
    await stop(s.server, () => s.lifecycle.shutdown());
  });

  it('is the code the README shows', () => {
    const self = readFileSync(new URL(import.meta.url), 'utf8');
    const recipe = /\/\/ #region express-recipe\n([\s\S]*?)\/\/ #endregion/.exec(self)![1]!.trim();
    const readme = readFileSync(new URL('../../../../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(recipe), 'README.md must contain the Express recipe exactly as tested here');
  });
});
