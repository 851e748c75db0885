import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { agent, call } from '../lib/client.js';
import { createAppServer } from './app-server.js';

after(() => agent.destroy());

async function start(
  ready: () => boolean,
): Promise<{ app: ReturnType<typeof createAppServer>; url: string }> {
  const app = createAppServer(ready);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function stop(app: ReturnType<typeof createAppServer>): Promise<void> {
  app.broker.close();
  await new Promise<void>((resolve) => {
    app.server.close(() => resolve());
    app.server.closeAllConnections();
  });
}

describe('app server', () => {
  it('answers /work after its backend call and counts it completed', async () => {
    const { app, url } = await start(() => true);
    try {
      const reply = await call<{ done: boolean; ms: number }>(`${url}/work?ms=5`);
      assert.deepEqual(reply.body, { done: true, ms: 5 });
      assert.deepEqual(app.stats, {
        backendStarted: 1,
        backendCompleted: 1,
        backendCancelled: 0,
        published: 0,
      });
    } finally {
      await stop(app);
    }
  });

  it('cancels the backend call when the client hangs up mid-request', async () => {
    const { app, url } = await start(() => true);
    try {
      const controller = new AbortController();
      const pending = call(`${url}/work?ms=60000`, { signal: controller.signal });
      while (app.stats.backendStarted === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error('closed the tab'));
      await assert.rejects(pending, /closed the tab/);
      while (app.stats.backendCancelled === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(app.stats, {
        backendStarted: 1,
        backendCompleted: 0,
        backendCancelled: 1,
        published: 0,
      });
    } finally {
      await stop(app);
    }
  });

  it('serves readiness from the probe and streams published events to SSE subscribers', async () => {
    let ready = true;
    const { app, url } = await start(() => ready);
    const publishing = new AbortController();
    try {
      assert.equal((await call(`${url}/health`)).status, 200);
      ready = false;
      assert.equal((await call(`${url}/health`)).status, 503);
      const text = await new Promise<string>((resolve) => {
        http.get(`${url}/events`, { agent: false }, (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream');
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
            if (body.includes('event: progress'))
              app.broker.close({ event: { event: 'shutdown', data: 'bye' } });
          });
          res.on('end', () => resolve(body));
        });
        app.startPublishing(5, publishing.signal);
      });
      assert.match(text, /event: progress\n(id: \d+\n)?data: \{"n":\d+\}/);
      assert.match(text, /event: shutdown\ndata: bye/);
    } finally {
      publishing.abort();
      await stop(app);
    }
  });
});
