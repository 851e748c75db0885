import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import cors from '@fastify/cors';
import Fastify from 'fastify';
import { Broker, gracefulShutdown, type GracefulShutdownOptions } from 'goscale/http';
import { get, rawClient } from '../shutdown/testing/helpers.js';

const BIG = 20 * 1024 * 1024;

// #region fastify-recipe
export async function serveFastify(port: number, options: GracefulShutdownOptions = {}) {
  const broker = new Broker({ historySize: 1000 });
  const fastify = Fastify();
  await fastify.register(cors, { origin: '*' });
  fastify.get('/events', (request, reply) => {
    reply.hijack(); // Fastify must not answer: the Broker writes the stream
    // Headers set by hooks and plugins (@fastify/cors) live on the reply until it sends; copy them over.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    broker.connect(request.raw, reply.raw, { topics: ['news'] });
  });
  fastify.get('/big', (_request, reply) => reply.send(Buffer.alloc(BIG, 'x')));
  const lifecycle = gracefulShutdown(fastify.server, options); // before listen
  lifecycle.signal.addEventListener('abort', () => broker.close());
  // Not on the signal: fastify.close() closes idle connections, and Node counts one whose response is ended but not
  // yet flushed as idle, cutting a large response to a slow reader. After the drain, nothing is left to cut.
  lifecycle.onShutdown(() => fastify.close());
  await fastify.listen({ port, host: '127.0.0.1' });
  return { fastify, broker, lifecycle };
}
// #endregion

const portOf = (f: Awaited<ReturnType<typeof serveFastify>>): number =>
  (f.fastify.server.address() as AddressInfo).port;

/** Reads a `/big` response one small chunk at a time (a slow reader); resolves with the body bytes it got. */
async function slowBig(port: number, whileReading: () => void): Promise<number> {
  const c = await rawClient(port);
  c.socket.setEncoding('latin1');
  c.socket.write(get('/big'));
  c.socket.pause();
  await new Promise((resolve) => setTimeout(resolve, 100));
  whileReading();
  c.socket.resume();
  await c.closed;
  const text = c.text();
  return text.length - text.indexOf('\r\n\r\n') - 4;
}

describe('Broker under Fastify 5 (the README recipe)', () => {
  it('streams events with the headers of @fastify/cors', async () => {
    const f = await serveFastify(0, { signals: [], exit: false });
    const c = await rawClient(portOf(f));
    c.socket.write(get('/events', 'Origin: http://app.example\r\n'));
    await c.waitFor('id: 0\n\n');
    f.broker.publish('news', { data: 'hello' });
    await c.waitFor('id: 1\ndata: hello\n\n');
    const head = c.text().split('\r\n\r\n')[0]!.toLowerCase();
    assert.match(head, /access-control-allow-origin: \*/);
    assert.match(head, /content-type: text\/event-stream/);
    await f.lifecycle.shutdown();
    await c.closed;
  });

  it('delivers a 20 MB response whole to a slow reader when fastify.close() runs in onShutdown', async () => {
    const f = await serveFastify(0, { signals: [], exit: false });
    let done: Promise<void> | undefined;
    const got = await slowBig(portOf(f), () => {
      done = f.lifecycle.shutdown();
    });
    await done;
    assert.equal(got, BIG);
  });

  it('cuts that response when fastify.close() is called as the drain starts (why the recipe does not)', async () => {
    const f = await serveFastify(0, { signals: [], exit: false });
    let closing: Promise<void> | undefined;
    const got = await slowBig(portOf(f), () => {
      f.lifecycle.signal.addEventListener('abort', () => void (closing = f.fastify.close()));
      void f.lifecycle.shutdown();
    });
    await closing;
    await f.lifecycle.shutdown();
    assert.ok(got < BIG, `got ${got} of ${BIG} bytes`);
  });

  it('is the code the README shows', () => {
    const self = readFileSync(new URL(import.meta.url), 'utf8');
    const recipe = /\/\/ #region fastify-recipe\n([\s\S]*?)\/\/ #endregion/.exec(self)![1]!.trim();
    const readme = readFileSync(new URL('../../../../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(recipe), 'README.md must contain the Fastify recipe exactly as tested here');
  });
});
