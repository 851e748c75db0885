/**
 * @module SSE fan-out: goscale's Broker against better-sse's Channel, 2,000 loopback clients run in child processes.
 *
 * The server (this process) is measured; the clients run in `CHILDREN` forked copies of this file (argv
 * `sse-client`), read with plain `http.get` and a byte scan, and report the publish-to-receive latency of every event
 * (the publish timestamp travels in the payload; both processes read the same clock through
 * `performance.timeOrigin + performance.now()`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createChannel, createSession, type Channel } from 'better-sse';
import { Broker } from '../src/http/index.js';
import {
  fmtBytes,
  fmtNs,
  fmtRatio,
  goal,
  heapUsed,
  report,
  type BenchSection,
} from '../../../bench/harness.js';

const CLIENTS = 2_000;
const EVENTS = 200;
const CHILDREN = 2;
const STALLED_FRACTION = 0.05;
const TIMEOUT_MS = 40_000;

const now = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------------------
// Client side (child process)

type ToChild =
  | { cmd: 'connect'; port: number; count: number; stallable: number }
  | { cmd: 'run'; events: number; stall: boolean }
  | { cmd: 'close' };
type FromChild =
  | { type: 'connected' }
  | { type: 'ready' }
  | { type: 'done'; latencies: number[]; lastReceive: number }
  | { type: 'closed' };

interface Conn {
  stallable: boolean;
  res: http.IncomingMessage | undefined;
  req: http.ClientRequest;
  seen: number;
}

function runClient(): void {
  const send = (m: FromChild): void => void process.send!(m);
  let conns: Conn[] = [];
  let run = { events: 0, stall: false, done: 0, healthy: 0, latencies: [] as number[], lastReceive: 0 };
  const onData = (conn: Conn, chunk: Buffer, carry: { text: string }): void => {
    const at = now();
    // Events end in a blank line; only whole ones are scanned, the tail waits for the next chunk.
    const text = carry.text + chunk.toString('latin1');
    const end = text.lastIndexOf('\n\n');
    if (end === -1) {
      carry.text = text;
      return;
    }
    carry.text = text.slice(end + 2);
    let found = 0;
    for (let p = text.indexOf('"t":'); p !== -1 && p < end; p = text.indexOf('"t":', p + 4)) {
      run.latencies.push(at - parseFloat(text.slice(p + 4, p + 40)));
      found++;
    }
    if (found === 0) return;
    run.lastReceive = at;
    conn.seen += found;
    if (conn.seen === run.events && ++run.done === run.healthy) {
      send({ type: 'done', latencies: run.latencies, lastReceive: run.lastReceive });
    }
  };
  process.on('message', (msg: ToChild) => {
    if (msg.cmd === 'close') {
      for (const c of conns) c.req.destroy();
      conns = [];
      send({ type: 'closed' });
    } else if (msg.cmd === 'run') {
      const healthy = conns.filter((c) => !(msg.stall && c.stallable));
      // Stalled clients stop reading for good: their socket buffers fill and the server sees backpressure.
      if (msg.stall) for (const c of conns) if (c.stallable) c.res?.pause();
      for (const c of healthy) c.seen = 0;
      run = {
        events: msg.events,
        stall: msg.stall,
        done: 0,
        healthy: healthy.length,
        latencies: [],
        lastReceive: 0,
      };
      send({ type: 'ready' });
    } else {
      let connected = 0;
      const open = (i: number): void => {
        const stallable = i < msg.stallable;
        const path = stallable ? '/?stall=1' : '/';
        const req = http.get({ host: '127.0.0.1', port: msg.port, path, agent: false });
        const conn: Conn = { stallable, req, res: undefined, seen: 0 };
        conns.push(conn);
        req.on('error', () => {});
        req.on('response', (res) => {
          conn.res = res;
          const carry = { text: '' };
          res.on('error', () => {});
          res.on('data', (chunk: Buffer) => onData(conn, chunk, carry));
          if (++connected === msg.count) send({ type: 'connected' });
        });
      };
      // Connect in small waves so the listen backlog is never the bottleneck.
      void (async () => {
        for (let i = 0; i < msg.count; i++) {
          open(i);
          if (i % 100 === 99) await tick();
        }
      })();
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Server side (this process)

type Lib = 'goscale' | 'better-sse' | 'node:http';

interface Fanout {
  readonly clients: () => number;
  publish(data: { i: number; t: number }): void;
  close(): void;
}

function makeFanout(
  lib: Lib,
  stallable: http.ServerResponse[],
): { fanout: Fanout; handler: http.RequestListener } {
  const track = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.url?.includes('stall') === true) stallable.push(res);
  };
  if (lib === 'goscale') {
    const broker = new Broker();
    return {
      handler: (req, res) => {
        track(req, res);
        broker.connect(req, res, { topics: ['bench'] });
      },
      fanout: {
        clients: () => broker.clients,
        publish: (data) => void broker.publish('bench', { data }),
        close: () => broker.close(),
      },
    };
  }
  if (lib === 'better-sse') {
    const channel: Channel = createChannel();
    const all: http.ServerResponse[] = [];
    return {
      handler: (req, res) => {
        track(req, res);
        all.push(res);
        void createSession(req, res).then((s) => channel.register(s));
      },
      fanout: {
        clients: () => channel.sessionCount,
        publish: (data) => void channel.broadcast(data, 'message'),
        close: () => all.forEach((r) => r.end()),
      },
    };
  }
  // A baseline for memory only: headers sent, response kept, nothing else.
  const open = new Set<http.ServerResponse>();
  return {
    handler: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' }).flushHeaders();
      open.add(res);
      res.on('close', () => open.delete(res));
    },
    fanout: { clients: () => open.size, publish: () => {}, close: () => open.forEach((r) => r.end()) },
  };
}

function waitFor<T extends FromChild['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sse bench: timed out waiting for ${type}`)), TIMEOUT_MS);
    const onMessage = (m: FromChild): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<FromChild, { type: T }>);
    };
    child.on('message', onMessage);
  });
}

interface Run {
  throughput: number;
  p50: number;
  p99: number;
  /**
   * Server CPU time (user + system, `process.cpuUsage`) per delivered event, from the first publish until every client
   * had every event: encoding, writes and their system calls, whenever the library does them.
   */
  serverNs: number;
}

interface LibResult {
  /** Mean p99 of the two unstalled paced runs. */
  baselineP99: number;
  heapPerClient: number;
  rssPerClient: number;
  paced: Run;
  burst: Run;
  stalled: Run;
  /** Server heap growth over the stalled run, measured once the healthy clients had everything. */
  stalledHeap: number;
}

const log = (s: string): void => void process.stderr.write(`sse bench: ${s}\n`);

/** One publish run on the open connections: `burst` publishes all events in one turn, else one per turn. */
async function publishRun(
  children: ChildProcess[],
  fanout: Fanout,
  events: number,
  mode: 'paced' | 'burst',
  stall = false,
): Promise<Run> {
  // The run command must reach the children before the first event does.
  const ready = children.map((c) => waitFor(c, 'ready'));
  for (const c of children) c.send({ cmd: 'run', events, stall } satisfies ToChild);
  await Promise.all(ready);
  const done = children.map((c) => waitFor(c, 'done'));
  const cpu = process.cpuUsage();
  const start = now();
  for (let i = 0; i < events; i++) {
    fanout.publish({ i, t: now() });
    // Paced: let I/O run between publishes, as a server publishing from request handlers or timers would.
    if (mode === 'paced') await tick();
  }
  const results = await Promise.all(done);
  const used = process.cpuUsage(cpu);
  const latencies = new Float64Array(results.flatMap((r) => r.latencies)).sort();
  const lastReceive = Math.max(...results.map((r) => r.lastReceive));
  const delivered = latencies.length;
  return {
    throughput: delivered / ((lastReceive - start) / 1000),
    p50: latencies[Math.floor(delivered * 0.5)]!,
    p99: latencies[Math.floor(delivered * 0.99)]!,
    serverNs: ((used.user + used.system) * 1e3) / delivered,
  };
}

async function connectAll(children: ChildProcess[], lib: Lib, clients = CLIENTS) {
  const stallable: http.ServerResponse[] = [];
  const { fanout, handler } = makeFanout(lib, stallable);
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const heap0 = heapUsed();
  const rss0 = process.memoryUsage().rss;
  const per = clients / children.length;
  const connected = children.map((c) => waitFor(c, 'connected'));
  const stallablePer = Math.round(per * STALLED_FRACTION);
  for (const c of children)
    c.send({ cmd: 'connect', port, count: per, stallable: stallablePer } satisfies ToChild);
  await Promise.all(connected);
  while (fanout.clients() < clients) await tick();
  const heapPerClient = (heapUsed() - heap0) / clients;
  const rssPerClient = (process.memoryUsage().rss - rss0) / clients;
  const close = async (): Promise<void> => {
    const closed = children.map((c) => waitFor(c, 'closed'));
    for (const c of children) c.send({ cmd: 'close' } satisfies ToChild);
    await Promise.all(closed);
    fanout.close();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    // Let the closed sockets' handles and buffers go before the next phase measures its heap.
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  return { fanout, stallable, heapPerClient, rssPerClient, close };
}

async function measureLib(children: ChildProcess[], lib: Lib): Promise<LibResult> {
  let t = Date.now();
  const conn = await connectAll(children, lib);
  log(`${lib}: ${CLIENTS} connected in ${Date.now() - t} ms`);
  t = Date.now();
  // Warm-up, so neither library pays for JIT compilation inside a measured run.
  await publishRun(children, conn.fanout, 10, 'paced');
  const paced = await publishRun(children, conn.fanout, EVENTS, 'paced');
  const burst = await publishRun(children, conn.fanout, EVENTS, 'burst');
  // A second unstalled run right before the stalled one: the p99 baseline is the mean of the two.
  const paced2 = await publishRun(children, conn.fanout, EVENTS, 'paced');
  log(`${lib}: paced and burst runs in ${Date.now() - t} ms`);
  t = Date.now();
  // Stall 5%: the children stop reading them, and the server fills their sockets (a few MiB each on loopback) until
  // data stays in Node's buffer after a full turn of the loop: from then on every write to them is backpressured.
  const ready = children.map((c) => waitFor(c, 'ready'));
  for (const c of children) c.send({ cmd: 'run', events: 0, stall: true } satisfies ToChild);
  await Promise.all(ready);
  const filler = `:${'x'.repeat(64 * 1024)}\n\n`;
  let filling = conn.stallable;
  for (let round = 0; round < 1000 && filling.length > 0; round++) {
    for (const res of filling) res.write(filler);
    await tick();
    await tick();
    filling = filling.filter((res) => res.writableLength < filler.length);
  }
  if (filling.length > 0) log(`${lib}: ${filling.length} stalled sockets never filled`);
  const heapBefore = heapUsed();
  const stalled = await publishRun(children, conn.fanout, EVENTS, 'paced', true);
  // What the run left in the server: healthy clients have everything, so this is what waits for the stalled ones.
  const stalledHeap = heapUsed() - heapBefore;
  log(`${lib}: stalled run in ${Date.now() - t} ms`);
  await conn.close();
  return {
    baselineP99: (paced.p99 + paced2.p99) / 2,
    heapPerClient: conn.heapPerClient,
    rssPerClient: conn.rssPerClient,
    paced,
    burst,
    stalled,
    stalledHeap,
  };
}

async function runServer(): Promise<void> {
  const file = fileURLToPath(import.meta.url);
  const children = Array.from({ length: CHILDREN }, () =>
    fork(file, ['sse-client'], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' }),
  );
  const started = Date.now();
  try {
    // Connecting 1,000 clients first warms node:http up and fills its pool of 1,000 HTTP parsers, so every measured
    // connect starts from the same state and none pays first-use costs.
    await (await connectAll(children, 'node:http', 1000)).close();
    const bare = await connectAll(children, 'node:http');
    await bare.close();
    const go = await measureLib(children, 'goscale');
    const bs = await measureLib(children, 'better-sse');
    report('sse.bench.ts', sections(bare, go, bs, (Date.now() - started) / 1000));
  } finally {
    for (const c of children) c.kill();
  }
}

function sections(
  bare: { heapPerClient: number; rssPerClient: number },
  go: LibResult,
  bs: LibResult,
  secs: number,
): BenchSection[] {
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const perSec = (x: number): string => `${Math.round(x).toLocaleString('en-US')}/s`;
  const paced = go.paced.throughput / bs.paced.throughput;
  const burst = go.burst.throughput / bs.burst.throughput;
  const stallGo = go.stalled.p99 / go.baselineP99;
  const stallBs = bs.stalled.p99 / bs.baselineP99;
  const row = (name: string, r: Run, vs: string): string[] => [
    name,
    perSec(r.throughput),
    ms(r.p50),
    ms(r.p99),
    fmtNs(r.serverNs),
    vs,
  ];
  return [
    {
      title: 'SSE fan-out: Broker vs better-sse',
      description:
        `${CLIENTS.toLocaleString('en-US')} loopback SSE clients in ${CHILDREN} child processes (plain http.get), ` +
        `${EVENTS} small JSON events; paced = one publish per event-loop turn, burst = all ${EVENTS} in one turn. ` +
        'Throughput is events received across all clients per second from the first publish to the last receipt; ' +
        `latency is publish-to-receive; "server CPU" is the server process's CPU time (writes and system calls included) per delivery. Whole bench ${secs.toFixed(0)} s.`,
      rows: [
        [
          'library, pacing',
          'delivered/s',
          'p50 latency',
          'p99 latency',
          'server CPU',
          'throughput vs better-sse',
        ],
        row('goscale Broker, paced', go.paced, fmtRatio(paced)),
        row('better-sse 0.16 Channel, paced', bs.paced, '1.0x'),
        row('goscale Broker, burst', go.burst, fmtRatio(burst)),
        row('better-sse 0.16 Channel, burst', bs.burst, '1.0x'),
      ],
      notes: [
        goal(paced >= 2, `paced throughput at least 2x better-sse (measured ${fmtRatio(paced)})`),
        goal(burst >= 2, `burst throughput at least 2x better-sse (measured ${fmtRatio(burst)})`),
        `Server CPU per delivery: goscale ${fmtNs(go.paced.serverNs)} paced and ${fmtNs(go.burst.serverNs)} burst, better-sse ${fmtNs(bs.paced.serverNs)} and ${fmtNs(bs.burst.serverNs)}. Paced, every event costs one socket write per client in both libraries, and the clients (sharing the 2 cores) bound the rate.`,
      ],
    },
    {
      title: 'SSE with 5% stalled clients',
      description:
        `The paced run again with ${Math.round(CLIENTS * STALLED_FRACTION)} of the clients no longer reading (their ` +
        'sockets filled until Node reports backpressure first); p99 latency of the healthy clients against the mean of ' +
        'two unstalled paced runs, and how much server heap the run left waiting for the stalled ones.',
      rows: [
        ['library', 'p99, none stalled', 'p99, 5% stalled', 'ratio', 'server heap growth over the run'],
        [
          'goscale Broker',
          ms(go.baselineP99),
          ms(go.stalled.p99),
          fmtRatio(stallGo),
          fmtBytes(go.stalledHeap),
        ],
        [
          'better-sse 0.16 Channel',
          ms(bs.baselineP99),
          ms(bs.stalled.p99),
          fmtRatio(stallBs),
          fmtBytes(bs.stalledHeap),
        ],
      ],
      notes: [
        goal(
          stallGo <= 1.5,
          `healthy p99 with 5% stalled within 1.5x of none stalled (measured ${fmtRatio(stallGo)})`,
        ),
      ],
    },
    {
      title: 'SSE memory per idle client',
      description:
        `Server heap and RSS growth after ${CLIENTS.toLocaleString('en-US')} clients connected (no events yet), per ` +
        'client; bare node:http (headers sent, response kept in a Set) as the baseline.',
      rows: [
        ['server', 'heap per client', 'RSS per client'],
        ['node:http baseline', fmtBytes(bare.heapPerClient), fmtBytes(bare.rssPerClient)],
        ['goscale Broker', fmtBytes(go.heapPerClient), fmtBytes(go.rssPerClient)],
        ['better-sse 0.16', fmtBytes(bs.heapPerClient), fmtBytes(bs.rssPerClient)],
      ],
      notes: [
        `Over bare node:http, goscale adds ${fmtBytes(go.heapPerClient - bare.heapPerClient)} of heap per client and ` +
          `better-sse ${fmtBytes(bs.heapPerClient - bare.heapPerClient)}.`,
      ],
    },
  ];
}

if (process.argv[2] === 'sse-client') runClient();
else await runServer();
