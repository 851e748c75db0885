import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { requestSignal } from './request-signal.js';
import { abortRequestSignal } from './registry.js';
import { get, listen, listenerTotal, rawClient, until } from './testing/helpers.js';
import { gate } from '../../testing/helpers.js';

interface Seen {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  signal: AbortSignal;
  /** 'close' listeners on req and res before requestSignal was called: Node's own. */
  base: { req: number; res: number };
  /** Listener totals on req and res right after the response closed (one turn later). */
  after?: { req: number; res: number };
}

/** A server whose handler takes each request's signal and lets the test decide what happens next. */
function harness(handle: (seen: Seen) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const base = { req: req.listenerCount('close'), res: res.listenerCount('close') };
    const entry: Seen = { req, res, base, signal: requestSignal(req, res) };
    seen.push(entry);
    res.once('close', () =>
      setImmediate(() => (entry.after = { req: listenerTotal(req), res: listenerTotal(res) })),
    );
    handle(entry);
  });
  return { server, seen };
}

describe('requestSignal', () => {
  let route: (seen: Seen) => void = () => {};
  const { server, seen } = harness((s) => route(s));
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('never aborts when the response finishes, and leaves no listener on req or res', async () => {
    // The control: the same request served without requestSignal, to learn what Node itself leaves behind.
    const plain = http.createServer((req, res) => {
      res.once('close', () =>
        setImmediate(() => controls.push({ req: listenerTotal(req), res: listenerTotal(res) })),
      );
      res.end('ok');
    });
    const controls: { req: number; res: number }[] = [];
    const plainPort = await listen(plain);
    const c0 = await rawClient(plainPort);
    c0.socket.write(get('/'));
    await c0.waitFor('ok');
    await until(() => controls.length === 1);
    c0.socket.destroy();
    plain.close();

    seen.length = 0;
    route = ({ res }) => res.end('ok');
    const client = await rawClient(port);
    client.socket.write(get('/'));
    await client.waitFor('ok');
    await until(() => seen[0]?.after !== undefined);
    client.socket.destroy();
    await client.closed;
    assert.equal(seen[0]!.signal.aborted, false);
    assert.deepEqual(seen[0]!.after, controls[0]);
  });

  it('aborts with an AbortError when the client hangs up before the response', async () => {
    seen.length = 0;
    route = () => {};
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => seen.length === 1);
    client.socket.destroy();
    const [event] = (await once(seen[0]!.signal, 'abort')) as [Event];
    assert.equal(event.type, 'abort');
    assert.equal((seen[0]!.signal.reason as DOMException).name, 'AbortError');
    assert.match((seen[0]!.signal.reason as Error).message, /client went away/);
    await until(() => seen[0]!.after !== undefined);
    assert.equal(seen[0]!.res.listenerCount('close'), seen[0]!.base.res);
    assert.equal(seen[0]!.req.listenerCount('close'), seen[0]!.base.req);
  });

  it('aborts when the client hangs up mid-stream, after the headers were sent', async () => {
    seen.length = 0;
    route = ({ res }) => res.write('partial');
    const client = await rawClient(port);
    client.socket.write(get('/stream'));
    await client.waitFor('partial');
    assert.equal(seen[0]!.signal.aborted, false);
    client.socket.destroy();
    await once(seen[0]!.signal, 'abort');
  });

  it('aborts when the client half-closes its side before the response', async () => {
    seen.length = 0;
    route = () => {};
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => seen.length === 1);
    client.socket.end();
    await once(seen[0]!.signal, 'abort');
  });

  it('keeps request 1 unaborted on a keep-alive socket when request 2 is then abandoned', async () => {
    seen.length = 0;
    route = ({ req, res }) => {
      if (req.url === '/one') res.end('one!');
    };
    const client = await rawClient(port);
    client.socket.write(get('/one'));
    await client.waitFor('one!');
    client.socket.write(get('/two'));
    await until(() => seen.length === 2);
    assert.equal(seen[0]!.req.socket, seen[1]!.req.socket, 'both requests share one socket');
    client.socket.destroy();
    await once(seen[1]!.signal, 'abort');
    assert.equal(seen[0]!.signal.aborted, false);
  });

  it('aborts a pipelined request still queued behind an unfinished one when the socket dies', async () => {
    seen.length = 0;
    route = () => {};
    const client = await rawClient(port);
    client.socket.write(get('/first') + get('/queued'));
    await until(() => seen.length === 2);
    client.socket.destroy();
    await Promise.all([once(seen[0]!.signal, 'abort'), once(seen[1]!.signal, 'abort')]);
    // The queued response never emits 'close': the request's 'close' settled it and removed the res listener too.
    await until(() => seen[0]!.after !== undefined);
    assert.equal(
      seen[1]!.res.listenerCount('close'),
      seen[1]!.base.res + 1,
      'only the harness listener is left',
    );
    assert.equal(seen[1]!.req.listenerCount('close'), seen[1]!.base.req);
  });

  it('keeps waiting on the response after the request body was read and the request closed', async () => {
    seen.length = 0;
    const release = gate();
    route = ({ req, res }) => {
      req.resume();
      req.on('end', () => void release.promise.then(() => res.end('read')));
    };
    const client = await rawClient(port);
    client.socket.write('POST /read HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc');
    await until(() => seen[0]?.req.destroyed === true);
    assert.equal(seen[0]!.signal.aborted, false);
    release.open();
    await client.waitFor('read');
    await until(() => seen[0]!.after !== undefined);
    assert.equal(seen[0]!.signal.aborted, false);
    client.socket.destroy();
  });

  it('returns the same signal when called twice, holding one listener on req and one on res', async () => {
    seen.length = 0;
    const counts: number[] = [];
    route = ({ req, res, signal }) => {
      counts.push(req.listenerCount('close'), res.listenerCount('close'));
      assert.equal(requestSignal(req, res), signal);
      counts.push(req.listenerCount('close'), res.listenerCount('close'));
    };
    const client = await rawClient(port);
    client.socket.write(get('/twice'));
    await until(() => seen.length === 1);
    assert.deepEqual(counts.slice(2), counts.slice(0, 2));
    client.socket.destroy();
    await once(seen[0]!.signal, 'abort');
  });

  it('returns a never-aborting signal after the response finished, and an aborted one after the client left', async () => {
    const late: AbortSignal[] = [];
    let arrived = 0;
    const lateServer = http.createServer((req, res) => {
      arrived++;
      if (req.url === '/done') {
        res.end('done', () => setImmediate(() => late.push(requestSignal(req, res))));
      } else {
        res.on('close', () => late.push(requestSignal(req, res)));
      }
    });
    const latePort = await listen(lateServer);
    const a = await rawClient(latePort);
    a.socket.write(get('/done'));
    await until(() => late.length === 1);
    const b = await rawClient(latePort);
    b.socket.write(get('/gone'));
    await until(() => arrived === 2);
    b.socket.destroy();
    await until(() => late.length === 2);
    assert.equal(late[0]!.aborted, false);
    assert.equal(late[1]!.aborted, true);
    a.socket.destroy();
    lateServer.close();
  });

  it('lets the shutdown registry abort it with another reason and removes its listeners', async () => {
    seen.length = 0;
    route = () => {};
    const client = await rawClient(port);
    client.socket.write(get('/hang'));
    await until(() => seen.length === 1);
    const reason = new DOMException('deadline', 'TimeoutError');
    abortRequestSignal(seen[0]!.res, reason);
    assert.equal(seen[0]!.signal.reason, reason);
    assert.equal(
      seen[0]!.res.listenerCount('close'),
      seen[0]!.base.res + 1,
      'only the harness listener is left',
    );
    assert.equal(seen[0]!.req.listenerCount('close'), seen[0]!.base.req);
    client.socket.destroy();
  });

  it('stops the backend work when the user hangs up (count it)', async () => {
    seen.length = 0;
    let started = 0;
    let stopped = 0;
    route = ({ signal }) => {
      started++;
      // Stand-in for a database query: it only ends when the signal says so.
      signal.addEventListener('abort', () => stopped++, { once: true });
    };
    const clients = await Promise.all(Array.from({ length: 20 }, () => rawClient(port)));
    for (const c of clients) c.socket.write(get('/work'));
    await until(() => started === 20);
    for (const c of clients.slice(0, 7)) c.socket.destroy();
    await until(() => stopped === 7);
    for (const s of seen) if (!s.signal.aborted) s.res.end('done');
    await Promise.all(clients.slice(7).map((c) => c.waitFor('done')));
    await until(() => seen.every((s) => s.after !== undefined));
    assert.equal(stopped, 7);
    for (const c of clients) c.socket.destroy();
  });

  it('aborts exactly the requests whose client left, for any mix on keep-alive sockets', async () => {
    type Step = 'finish' | 'hangup' | 'stream-hangup' | 'stream-finish';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Step>('finish', 'hangup', 'stream-hangup', 'stream-finish'), {
          minLength: 1,
          maxLength: 6,
        }),
        async (steps) => {
          seen.length = 0;
          route = ({ req, res }) => {
            const step = req.url!.slice(1) as Step;
            if (step === 'finish') res.end('END');
            else if (step.startsWith('stream')) res.write('HEAD');
            if (step === 'stream-finish') setImmediate(() => res.end('END'));
          };
          let client = await rawClient(port);
          let ends = 0;
          let heads = 0;
          for (const [i, step] of steps.entries()) {
            client.socket.write(get(`/${step}`));
            if (step.startsWith('stream')) await client.waitFor('HEAD', ++heads);
            if (step.endsWith('finish')) await client.waitFor('END', ++ends);
            else {
              await until(() => seen.length === i + 1);
              client.socket.destroy();
              client = await rawClient(port);
              ends = heads = 0;
            }
          }
          client.socket.destroy();
          await until(() => seen.length === steps.length && seen.every((s) => s.after !== undefined));
          for (const [i, step] of steps.entries()) {
            assert.equal(seen[i]!.signal.aborted, step.endsWith('hangup'), `request ${i} (${step})`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves no listener on req, res or socket after 10,000 keep-alive requests', async () => {
    const totals = new Set<string>();
    const socketTotals = new Map<unknown, Set<number>>();
    const leakServer = http.createServer((req, res) => {
      const bySocket = socketTotals.get(req.socket) ?? new Set<number>();
      socketTotals.set(req.socket, bySocket);
      bySocket.add(listenerTotal(req.socket));
      if (req.url === '/signal') requestSignal(req, res);
      res.on('close', () =>
        setImmediate(() => totals.add(`${req.url} ${listenerTotal(req)} ${listenerTotal(res)}`)),
      );
      res.end('ok');
    });
    const leakPort = await listen(leakServer);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const one = (path: string) =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ port: leakPort, host: '127.0.0.1', path, agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => one(j % 2 === 0 ? '/signal' : '/plain')));
    }
    await until(() => totals.size > 0);
    agent.destroy();
    leakServer.close();
    // Every request left the same listener totals as the control route, and no socket grew a listener over time.
    const byRoute = [...totals].map((t) => t.replace(/^\/\w+ /, ''));
    assert.deepEqual(new Set(byRoute).size, 1, [...totals].join(', '));
    for (const set of socketTotals.values()) assert.equal(set.size, 1, 'socket listener total changed');
    assert.ok(socketTotals.size <= 8);
  });

  it('leaves no listener behind after 100,000 hang-ups (stand-in messages)', () => {
    // Real sockets would take minutes; the function only relies on these fields and the 'close' events.
    const message = () =>
      Object.assign(new EventEmitter(), { errored: null, destroyed: false, writableFinished: false });
    let aborted = 0;
    let leftover = 0;
    for (let i = 0; i < 100_000; i++) {
      const req = message();
      const res = message();
      const signal = requestSignal(
        req as unknown as http.IncomingMessage,
        res as unknown as http.ServerResponse,
      );
      if (i === 0) assert.equal(listenerTotal(req) + listenerTotal(res), 2);
      res.emit('close');
      if (signal.aborted) aborted++;
      leftover += listenerTotal(req) + listenerTotal(res);
    }
    assert.equal(aborted, 100_000);
    assert.equal(leftover, 0);
  });

  it('throws a TypeError quoting a value that is not a node:http message', () => {
    assert.throws(() => requestSignal({} as http.IncomingMessage, {} as http.ServerResponse), {
      name: 'TypeError',
      message: 'requestSignal: expected `req` to be a node:http message, got `[object Object]` (object)',
    });
    assert.throws(() => requestSignal(null as never, null as never), /got `null` \(null\)/);
  });

  it('has the public type (req, res) => AbortSignal', () => {
    expectTypeOf(requestSignal).parameters.toEqualTypeOf<[http.IncomingMessage, http.ServerResponse]>();
    expectTypeOf(requestSignal).returns.toEqualTypeOf<AbortSignal>();
  });
});
