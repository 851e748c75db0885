import assert from 'node:assert/strict';
import http from 'node:http';
import { afterEach, describe, it, mock } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { requestSignal } from './request-signal.js';
import { gracefulShutdown, type GracefulShutdownOptions, type Shutdown } from './shutdown.js';
import { get, listen, rawClient, tryConnect, until } from './testing/helpers.js';
import { flush, gate, track } from '../../testing/helpers.js';

/** A listening server whose handler the test swaps, with a shutdown that never exits and installs no signal. */
async function setup(options: GracefulShutdownOptions = {}) {
  let handler: http.RequestListener = (_req, res) => res.end('ok');
  const requests: { req: http.IncomingMessage; res: http.ServerResponse; signal: AbortSignal }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ req, res, signal: requestSignal(req, res) });
    handler(req, res);
  });
  // No keep-alive timeout: a connection the shutdown forgot to close stays open and the test fails on its timeout.
  server.keepAliveTimeout = 0;
  const lifecycle = gracefulShutdown(server, { exit: false, signals: [], ...options });
  const port = await listen(server);
  return { server, port, lifecycle, requests, handle: (fn: http.RequestListener) => (handler = fn) };
}

describe('gracefulShutdown', { timeout: 10_000 }, () => {
  afterEach(() => mock.timers.reset());

  it('turns ready false at once and aborts signal with the reason when the drain starts', async () => {
    const { lifecycle } = await setup();
    assert.equal(lifecycle.ready, true);
    const reason = new Error('deploy');
    const done = lifecycle.shutdown(reason);
    assert.equal(lifecycle.ready, false);
    assert.equal(lifecycle.signal.aborted, true);
    assert.equal(lifecycle.signal.reason, reason);
    assert.equal(lifecycle.shutdown(), done, 'a second call returns the same promise');
    await done;
  });

  it('keeps serving during readinessDelayMs and stops accepting only after it', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const { port, lifecycle } = await setup({ readinessDelayMs: 5_000 });
    const done = lifecycle.shutdown();
    assert.equal(lifecycle.ready, false);
    const client = await rawClient(port);
    client.socket.write(get('/'));
    await client.waitFor('ok');
    assert.match(client.text(), /Connection: keep-alive/);
    mock.timers.tick(4_999);
    assert.equal(lifecycle.signal.aborted, false);
    assert.equal(await tryConnect(port), 'connected');
    mock.timers.tick(1);
    assert.equal(lifecycle.signal.aborted, true);
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    await client.closed;
    await done;
  });

  it('keeps serving during a readinessDelayMs past 2^31 − 1 ms (a bare setTimeout would end it at once)', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const readinessDelayMs = 30 * 86_400_000;
    const { port, lifecycle } = await setup({ readinessDelayMs, timeoutMs: Infinity });
    const done = lifecycle.shutdown();
    mock.timers.tick(5);
    assert.equal(lifecycle.signal.aborted, false);
    mock.timers.tick(readinessDelayMs - 6);
    assert.equal(lifecycle.signal.aborted, false);
    assert.equal(await tryConnect(port), 'connected');
    mock.timers.tick(1);
    assert.equal(lifecycle.signal.aborted, true);
    await done;
  });

  it('closes an idle keep-alive connection at once', async () => {
    const { port, lifecycle } = await setup();
    const client = await rawClient(port);
    client.socket.write(get('/'));
    await client.waitFor('ok');
    const done = lifecycle.shutdown();
    await client.closed;
    await done;
  });

  it('delivers a large response in full to a slow reader when the shutdown starts mid-transfer', async () => {
    const { port, lifecycle, handle } = await setup();
    const body = Buffer.alloc(8 * 1024 * 1024, 'a');
    handle((_req, res) => res.end(body));
    const client = await rawClient(port);
    client.socket.pause();
    client.socket.write(get('/big'));
    // Let the server fill the socket buffers while the client does not read.
    for (let i = 0; i < 20; i++) await flush();
    const done = lifecycle.shutdown();
    client.socket.resume();
    await client.closed;
    await done;
    assert.equal(client.text().split('\r\n\r\n')[1]!.length, body.length);
  });

  it('closes a connection that never carried a request (a preconnect)', async () => {
    const { port, lifecycle } = await setup();
    const client = await rawClient(port);
    await flush();
    const done = lifecycle.shutdown();
    await client.closed;
    await done;
  });

  it('lets an in-flight request finish, answered with Connection: close, and refuses new connections', async () => {
    const { port, lifecycle, requests, handle } = await setup();
    const release = gate();
    handle((_req, res) => void release.promise.then(() => res.end('finished')));
    const client = await rawClient(port);
    client.socket.write(get('/slow'));
    await until(() => requests.length === 1);
    const state = track(lifecycle.shutdown());
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    assert.equal(state.done, false, 'the drain waits for the in-flight request');
    release.open();
    await client.waitFor('finished');
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n(.*\r\n)*Connection: close\r\n/);
    await client.closed;
    await until(() => state.done);
    assert.equal(state.error, undefined);
    assert.equal(requests[0]!.signal.aborted, false);
  });

  it('accepts no request that arrives on an open connection during the drain, and closes it after the last answer', async () => {
    const { port, lifecycle, requests, handle } = await setup();
    const release = gate();
    handle((req, res) => void release.promise.then(() => res.end(`done ${req.url}`)));
    const client = await rawClient(port);
    client.socket.write(get('/first'));
    await until(() => requests.length === 1);
    const done = lifecycle.shutdown();
    client.socket.write(get('/second'));
    // Give the server every chance to read it (loopback delivers in a turn or two).
    for (let i = 0; i < 50; i++) await flush();
    release.open();
    await client.closed;
    await done;
    assert.equal(requests.length, 1, 'the request sent during the drain never reached a handler');
    assert.match(client.text(), /Connection: close\r\n[\s\S]*done \/first$/);
  });

  it('answers every request it accepted when requests are pipelined during the drain (synchronous handlers)', async () => {
    // A response ended while queued behind an earlier one fixes its headers at once: marked close, it made Node close
    // the connection after it, while a request pipelined behind it had already reached its handler, unanswered.
    const { port, lifecycle, requests, handle } = await setup();
    const release = gate();
    handle((req, res) => {
      if (req.url === '/held') void release.promise.then(() => res.end('held;'));
      else res.end(`fast ${req.url};`);
    });
    const client = await rawClient(port);
    client.socket.write(get('/held'));
    await until(() => requests.length === 1);
    const done = lifecycle.shutdown();
    for (const path of ['/a', '/b', '/c']) {
      client.socket.write(get(path));
      const seen = requests.length;
      for (let i = 0; i < 50 && requests.length === seen; i++) await flush();
    }
    release.open();
    await client.closed;
    await done;
    const answered = client.text().split('HTTP/1.1 200 OK').length - 1;
    assert.equal(
      answered,
      requests.length,
      `accepted ${requests.map((r) => r.req.url).join()}; got ${client.text()}`,
    );
  });

  it('answers requests pipelined in one chunk behind the request whose handler starts the drain', async () => {
    const { port, lifecycle, requests, handle } = await setup();
    let done: Promise<void> | undefined;
    handle((req, res) => {
      if (req.url === '/stop') done = lifecycle.shutdown();
      res.end(`answer ${req.url};`);
    });
    const client = await rawClient(port);
    client.socket.write(get('/stop') + get('/next') + get('/last'));
    await client.closed;
    await done;
    const answered = client.text().split('HTTP/1.1 200 OK').length - 1;
    assert.equal(answered, requests.length);
    assert.ok(requests.length >= 1);
    // No answer but the last may tell the client to close (the synchronous ones here were all sent before the mark).
    const responses = client.text().split('HTTP/1.1 200 OK').slice(1, -1);
    for (const r of responses) assert.doesNotMatch(r, /Connection: close/);
  });

  it('still waits for open connections when the server had been closed by someone else', async () => {
    const { server, port, lifecycle, requests, handle } = await setup();
    const release = gate();
    handle((_req, res) => void release.promise.then(() => res.end('late')));
    const client = await rawClient(port);
    client.socket.write(get('/'));
    await until(() => requests.length === 1);
    server.close();
    const state = track(lifecycle.shutdown());
    await flush();
    assert.equal(state.done, false);
    release.open();
    await client.waitFor('late');
    await until(() => state.done);
    assert.equal(state.error, undefined);
  });

  it('answers every accepted request and runs hooks last, whatever the order of completions and shutdown()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 6 }), async (s, n) => {
        const { port, lifecycle, requests, handle } = await setup();
        const log: string[] = [];
        handle((req, res) => {
          res.once('close', () => log.push(`closed ${req.url}`));
          void s.schedule(Promise.resolve(`end ${req.url}`)).then(() => res.end(`done ${req.url};`));
        });
        lifecycle.onShutdown(() => void log.push('hook'));
        // Two connections, requests pipelined on each, so the Connection: close mark has to pick the last one.
        const clients = await Promise.all([rawClient(port), rawClient(port)]);
        for (let i = 0; i < n; i++) clients[i % 2]!.socket.write(get(`/${i}`));
        await until(() => requests.length === n);
        let done: Promise<void> | undefined;
        void s.schedule(Promise.resolve('shutdown')).then(() => {
          done = lifecycle.shutdown();
        });
        await s.waitAll();
        await until(() => done !== undefined);
        await done;
        await Promise.all(clients.map((c) => c.closed));
        const received = clients.map((c) => c.text()).join('');
        for (let i = 0; i < n; i++) assert.match(received, new RegExp(`done /${i};`), `response ${i}`);
        assert.equal(log.at(-1), 'hook');
        assert.equal(log.filter((l) => l.startsWith('closed')).length, n);
      }),
      { numRuns: 40 },
    );
  });

  it('closes a keep-alive connection whose response had already sent its headers once that response ends', async () => {
    const { port, lifecycle, requests, handle } = await setup();
    handle((_req, res) => res.write('head;'));
    const client = await rawClient(port);
    client.socket.write(get('/stream'));
    await client.waitFor('head;');
    const state = track(lifecycle.shutdown());
    requests[0]!.res.end('tail');
    await client.closed;
    await until(() => state.done);
    assert.equal(state.error, undefined);
  });

  it('finishes the drain when long-lived streams end on signal, and their clients get a final message', async () => {
    const { port, lifecycle, handle } = await setup();
    handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: hello\n\n');
      lifecycle.signal.addEventListener('abort', () => res.end('event: bye\ndata: shutdown\n\n'), {
        once: true,
      });
    });
    const clients = await Promise.all([rawClient(port), rawClient(port), rawClient(port)]);
    for (const c of clients) c.socket.write(get('/events'));
    await Promise.all(clients.map((c) => c.waitFor('data: hello')));
    await lifecycle.shutdown();
    // The server side has closed; the client side may still have the last bytes to read.
    await Promise.all(clients.map((c) => c.closed));
    for (const c of clients) assert.match(c.text(), /event: bye\r?\ndata: shutdown/);
  });

  it('at timeoutMs destroys a hung request, aborts its requestSignal with a TimeoutError and rejects', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const { port, lifecycle, requests, handle } = await setup({ timeoutMs: 1_000 });
    handle(() => {});
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => requests.length === 1);
    const state = track(lifecycle.shutdown());
    mock.timers.tick(999);
    assert.equal(requests[0]!.signal.aborted, false);
    mock.timers.tick(1);
    assert.equal((requests[0]!.signal.reason as DOMException).name, 'TimeoutError');
    await client.closed;
    assert.equal(client.text(), '', 'the hung request got no response');
    await until(() => state.done);
    assert.equal((state.error as DOMException).name, 'TimeoutError');
    assert.match((state.error as Error).message, /1000 ms deadline/);
  });

  it('waits out a timeoutMs past 2^31 − 1 ms before it strikes (a bare setTimeout strikes at once)', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const timeoutMs = 2 ** 31;
    const { port, lifecycle, requests, handle } = await setup({ timeoutMs });
    handle(() => {});
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => requests.length === 1);
    const state = track(lifecycle.shutdown());
    mock.timers.tick(5);
    mock.timers.tick(timeoutMs - 6);
    assert.equal(requests[0]!.signal.aborted, false, 'the deadline struck early');
    assert.equal(state.done, false);
    mock.timers.tick(1);
    assert.equal((requests[0]!.signal.reason as DOMException).name, 'TimeoutError');
    await client.closed;
    await until(() => state.done);
    assert.match((state.error as Error).message, /2147483648 ms deadline/);
  });

  it('runs hooks after every connection closed, last registered first, and reports failing ones', async () => {
    const { port, lifecycle, requests, handle } = await setup();
    const release = gate();
    handle((_req, res) => void release.promise.then(() => res.end('ok')));
    const client = await rawClient(port);
    client.socket.write(get('/'));
    await until(() => requests.length === 1);
    const order: string[] = [];
    lifecycle.onShutdown(() => void order.push(`a closed=${requests[0]!.res.closed}`));
    lifecycle.onShutdown(async () => {
      order.push('b');
      throw new Error('b failed');
    });
    const remove = lifecycle.onShutdown(() => void order.push('removed'));
    lifecycle.onShutdown(() => void order.push('c'));
    remove();
    const state = track(lifecycle.shutdown());
    await flush();
    assert.deepEqual(order, [], 'no hook runs while a request is in flight');
    release.open();
    await until(() => state.done);
    assert.deepEqual(order, ['c', 'b', 'a closed=true']);
    assert.ok(state.error instanceof AggregateError);
    assert.deepEqual(
      state.error.errors.map((e: Error) => e.message),
      ['b failed'],
    );
    assert.throws(() => lifecycle.onShutdown(() => {}), /onShutdown\(\) called after the hooks started/);
  });

  it('runs exactly the hooks still registered, in reverse order (model-based)', async () => {
    type Op = { kind: 'add' } | { kind: 'remove'; index: number };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'add' }),
      fc.nat(20).map<Op>((index) => ({ kind: 'remove', index })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        // The server never listens: there is nothing to drain, so the hooks run right away.
        const lifecycle = gracefulShutdown(http.createServer(), { exit: false, signals: [] });
        const ran: number[] = [];
        const removers: (() => void)[] = [];
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            const id = removers.length;
            removers.push(lifecycle.onShutdown(() => void ran.push(id)));
            model.push(id);
          } else if (o.index < removers.length) {
            removers[o.index]!();
            const at = model.indexOf(o.index);
            if (at >= 0) model.splice(at, 1);
          }
        }
        await lifecycle.shutdown();
        assert.deepEqual(ran, model.reverse());
      }),
      { numRuns: 300 },
    );
  });

  it('starts on its signal, forces on a second one, and removes its handlers afterwards', async () => {
    const before = process.listenerCount('SIGUSR2');
    const { port, lifecycle, requests, handle } = await setup({ signals: ['SIGUSR2'] });
    assert.equal(process.listenerCount('SIGUSR2'), before + 1);
    handle(() => {});
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => requests.length === 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    assert.equal(lifecycle.ready, false);
    assert.match((lifecycle.signal.reason as Error).message, /received SIGUSR2/);
    const state = track(lifecycle.shutdown());
    assert.equal(requests[0]!.signal.aborted, false);
    process.emit('SIGUSR2', 'SIGUSR2');
    assert.equal(requests[0]!.signal.aborted, true);
    await client.closed;
    await until(() => state.done);
    assert.match((state.error as Error).message, /second SIGUSR2/);
    assert.equal(process.listenerCount('SIGUSR2'), before);
  });

  it('installs no signal handler with signals: [] and leaves no timer or server listener behind', async () => {
    const sigterm = process.listenerCount('SIGTERM');
    const sigint = process.listenerCount('SIGINT');
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { server, lifecycle } = await setup({ timeoutMs: 60_000 });
    assert.equal(process.listenerCount('SIGTERM'), sigterm);
    assert.equal(process.listenerCount('SIGINT'), sigint);
    assert.equal(server.listenerCount('connection'), 2, "Node's own and the tracker's");
    await lifecycle.shutdown();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timers);
    assert.equal(server.listenerCount('connection'), 1);
    assert.equal(server.listenerCount('request'), 1);
  });

  it('throws a TypeError or RangeError quoting the bad value', () => {
    const server = http.createServer();
    assert.throws(() => gracefulShutdown({} as http.Server), {
      name: 'TypeError',
      message: 'gracefulShutdown: expected `server` to be an http.Server, got `[object Object]` (object)',
    });
    assert.throws(() => gracefulShutdown(server, { signals: ['SIGNOPE' as NodeJS.Signals] }), {
      name: 'TypeError',
      message:
        'gracefulShutdown: expected `signals` to hold signal names like \'SIGTERM\', got `"SIGNOPE"` (string)',
    });
    assert.throws(() => gracefulShutdown(server, { timeoutMs: -1 }), {
      name: 'RangeError',
      message:
        'gracefulShutdown: expected `timeoutMs` to be an integer from 0 and up (or Infinity), got `-1` (number)',
    });
    assert.throws(() => gracefulShutdown(server, { readinessDelayMs: 1.5 }), RangeError);
    assert.throws(
      () => gracefulShutdown(server, { exit: 'no' as never }),
      /`exit` to be a boolean, got `"no"` \(string\)/,
    );
    const lifecycle = gracefulShutdown(server, { signals: [], exit: false });
    assert.throws(() => lifecycle.onShutdown(42 as never), /`fn` to be a function, got `42` \(number\)/);
  });

  it('has the public types', () => {
    expectTypeOf(gracefulShutdown).parameters.toEqualTypeOf<[http.Server, GracefulShutdownOptions?]>();
    expectTypeOf(gracefulShutdown).returns.toEqualTypeOf<Shutdown>();
    expectTypeOf<Shutdown['ready']>().toEqualTypeOf<boolean>();
    expectTypeOf<Shutdown['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Shutdown['shutdown']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Shutdown['onShutdown']>().returns.toEqualTypeOf<() => void>();
    expectTypeOf<Shutdown['onShutdown']>().toBeCallableWith(async () => {});
    expectTypeOf<GracefulShutdownOptions['signals']>().toEqualTypeOf<readonly NodeJS.Signals[] | undefined>();
  });
});
