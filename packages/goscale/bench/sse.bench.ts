/**
 * @module SSE fan-out: goscale's Broker against better-sse's Channel and two hand-written floors, 2,000 loopback
 * clients run in child processes (`sse-clients.ts`).
 *
 * The server (this process) is measured; its four servers (the floors among them) are in `sse-servers.ts`. Events are
 * published 10 per event-loop turn. Every round measures all four one after the other; the tables give medians of the
 * rounds and their spread.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  fmtBytes,
  fmtNs,
  fmtRatio,
  goal,
  heapUsed,
  report,
  type BenchSection,
} from '../../../bench/harness.js';
import { now, waitFor, type ToChild } from './sse-clients.js';
import { LIBS, makeFanout, type Fanout, type Lib } from './sse-servers.js';

const CLIENTS = 2_000;
const EVENTS = 200;
const PER_TURN = 10;
const ROUNDS = 3;
const CHILDREN = 2;
const STALLED_FRACTION = 0.05;

interface Run {
  throughput: number;
  p99: number;
  /** Server CPU time (user + system) per delivered event, from the first publish until every client had every event. */
  serverNs: number;
}

/** One lib in one round. */
interface Sample {
  run: Run;
  stalled: Run;
  /** Server heap growth over the stalled run, once the healthy clients had everything. */
  stalledHeap: number;
  heapPerClient: number;
}

const log = (s: string): void => void process.stderr.write(`sse bench: ${s}\n`);

/** One run on the open connections: `events` published `PER_TURN` per event-loop turn. */
async function publishRun(
  children: ChildProcess[],
  fanout: Fanout,
  events: number,
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
    if (i % PER_TURN === PER_TURN - 1) await tick();
  }
  const results = await Promise.all(done);
  const used = process.cpuUsage(cpu);
  const latencies = new Float64Array(results.flatMap((r) => r.latencies)).sort();
  const lastReceive = Math.max(...results.map((r) => r.lastReceive));
  const delivered = latencies.length;
  return {
    throughput: delivered / ((lastReceive - start) / 1000),
    p99: latencies[Math.floor(delivered * 0.99)]!,
    serverNs: ((used.user + used.system) * 1e3) / delivered,
  };
}

async function connectAll(children: ChildProcess[], lib: Lib, clients = CLIENTS) {
  const { fanout, handler } = makeFanout(lib);
  const stallable: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.url?.includes('stall') === true) stallable.push(res);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const per = clients / children.length;
  const connected = children.map((c) => waitFor(c, 'connected'));
  const stallablePer = Math.round(per * STALLED_FRACTION);
  for (const c of children)
    c.send({ cmd: 'connect', port, count: per, stallable: stallablePer } satisfies ToChild);
  await Promise.all(connected);
  while (fanout.clients() < clients) await tick();
  const heapConnected = heapUsed();
  /** Closes everything; returns the heap each idle client held (what their going released). */
  const close = async (): Promise<number> => {
    const closed = children.map((c) => waitFor(c, 'closed'));
    for (const c of children) c.send({ cmd: 'close' } satisfies ToChild);
    await Promise.all(closed);
    fanout.close();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    // Let the closed sockets' handles and buffers go before the next phase measures its heap.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return (heapConnected - heapUsed()) / clients;
  };
  return { fanout, stallable, close };
}

async function measureLib(children: ChildProcess[], lib: Lib): Promise<Sample> {
  const t = Date.now();
  const conn = await connectAll(children, lib);
  // Warm-up, so no one pays for JIT compilation inside a measured run.
  await publishRun(children, conn.fanout, 50);
  const run = await publishRun(children, conn.fanout, EVENTS);
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
  const stalled = await publishRun(children, conn.fanout, EVENTS, true);
  const stalledHeap = heapUsed() - heapBefore;
  const heapPerClient = await conn.close();
  log(
    `${lib}: ${Math.round(run.throughput)}/s, p99 ${run.p99.toFixed(1)} → ${stalled.p99.toFixed(1)} ms stalled, ${Date.now() - t} ms`,
  );
  return { run, stalled, stalledHeap, heapPerClient };
}

async function runServer(): Promise<void> {
  const file = fileURLToPath(new URL('./sse-clients.ts', import.meta.url));
  const children = Array.from({ length: CHILDREN }, () =>
    fork(file, ['sse-client'], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' }),
  );
  const started = Date.now();
  const samples = new Map<Lib, Sample[]>(LIBS.map((l) => [l, []]));
  try {
    // Connecting 1,000 clients first warms node:http up and fills its pool of 1,000 HTTP parsers, so every measured
    // connect starts from the same state and none pays first-use costs.
    await (await connectAll(children, LIBS[0], 1000)).close();
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so no one always runs first (or last) on a machine whose load drifts.
      for (let k = 0; k < LIBS.length; k++) {
        const lib = LIBS[(k + r) % LIBS.length]!;
        samples.get(lib)!.push(await measureLib(children, lib));
      }
    }
    report('sse.bench.ts', sections(samples, (Date.now() - started) / 1000));
  } finally {
    for (const c of children) c.kill();
  }
}

/** Median and spread of `xs`, as `median (min–max)` text and the median itself. */
function stats(xs: number[], fmt: (x: number) => string): { median: number; text: string } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return { median, text: `${fmt(median)} (${fmt(s[0]!)}–${fmt(s.at(-1)!)})` };
}

function sections(samples: Map<Lib, Sample[]>, secs: number): BenchSection[] {
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const perSec = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')} k/s`;
  const col = (lib: Lib, f: (s: Sample) => number, format: (x: number) => string): string =>
    stats(samples.get(lib)!.map(f), format).text;
  // Ratios are taken within each round (the libs ran back to back), then their median.
  const ratio = (a: Lib, b: Lib, f = (s: Sample) => s.run.throughput) => {
    const bs = samples.get(b)!;
    return stats(
      samples.get(a)!.map((s, i) => f(s) / f(bs[i]!)),
      fmtRatio,
    );
  };
  const ceiling = 'floor: coalesce per tick';
  const vsCeiling = ratio(ceiling, 'goscale Broker');
  const cpuVsCeiling = ratio('goscale Broker', ceiling, (s) => s.run.serverNs);
  const vsBs = ratio('goscale Broker', 'better-sse 0.16');
  const floorGain = ratio(ceiling, 'floor: write per event');
  const stall = (lib: Lib) =>
    stats(
      samples.get(lib)!.map((s) => s.stalled.p99 / s.run.p99),
      fmtRatio,
    );
  const goStall = stall('goscale Broker');
  const heap = (lib: Lib) =>
    stats(
      samples.get(lib)!.map((s) => s.heapPerClient),
      fmtBytes,
    ).median;
  const n = `${ROUNDS} rounds`;
  return [
    {
      title: 'SSE fan-out: Broker vs better-sse and the floors',
      description:
        `${CLIENTS.toLocaleString('en-US')} loopback SSE clients in ${CHILDREN} child processes (plain http.get), ` +
        `${EVENTS} small JSON events published ${PER_TURN} per event-loop turn. Delivered/s counts events received ` +
        'across all clients from the first publish to the last receipt; latency is publish-to-receive; "server CPU" ' +
        'is the server process CPU time (writes and system calls included) per delivery. The floors are hand-written ' +
        `bare brokers (no checks, no bounds, no slow-client policy). Median of ${n} (min–max), each round running all ` +
        `four back to back. Whole bench ${secs.toFixed(0)} s.`,
      rows: [
        ['server', 'delivered/s', 'p99 latency', 'server CPU', 'coalescing floor / this'],
        ...LIBS.map((lib) => [
          lib,
          col(lib, (s) => s.run.throughput, perSec),
          col(lib, (s) => s.run.p99, ms),
          col(lib, (s) => s.run.serverNs, fmtNs),
          ratio(ceiling, lib).text,
        ]),
      ],
      notes: [
        goal(
          vsCeiling.median <= 1.1,
          `goscale within 1.1x of the coalescing floor (the ceiling delivers ${vsCeiling.text} goscale's rate)`,
        ),
        `Server CPU per delivery, goscale against the coalescing floor in the same round: ${cpuVsCeiling.text} (CPU time is less sensitive than wall-clock rates to what else the machine runs).`,
        goal(vsBs.median >= 2.5, `goscale at least 2.5x better-sse (measured ${vsBs.text})`),
        `Coalescing each client's events into one write per tick delivers ${floorGain.text} what writing every event to every socket does.`,
      ],
    },
    {
      title: 'SSE with 5% stalled clients',
      description:
        `The same run with ${Math.round(CLIENTS * STALLED_FRACTION)} of the clients no longer reading (their sockets ` +
        "filled until Node reports backpressure first): p99 latency of the healthy clients against the same round's " +
        `run with none stalled, and the server heap the run left waiting for the stalled ones. Median of ${n} (min–max).`,
      rows: [
        ['server', 'p99, none stalled', 'p99, 5% stalled', 'ratio', 'server heap growth over the run'],
        ...LIBS.map((lib) => [
          lib,
          col(lib, (s) => s.run.p99, ms),
          col(lib, (s) => s.stalled.p99, ms),
          stall(lib).text,
          col(lib, (s) => s.stalledHeap, fmtBytes),
        ]),
      ],
      notes: [
        goal(
          goStall.median <= 1.5,
          `goscale's healthy p99 with 5% stalled within 1.5x of none stalled (measured ${goStall.text})`,
        ),
      ],
    },
    {
      title: 'SSE memory per idle client',
      description:
        `Server heap held per idle client: the heap with ${CLIENTS.toLocaleString('en-US')} clients connected (no ` +
        'events yet) less the heap once they all closed, per client, median of ' +
        `${n}; the per-event floor (headers sent, response kept in a Set) is the node:http baseline.`,
      rows: [['server', 'heap per client'], ...LIBS.map((lib) => [lib, fmtBytes(heap(lib))])],
      notes: [
        `Over bare node:http, goscale adds ${fmtBytes(heap('goscale Broker') - heap(LIBS[0]))} of heap per client ` +
          `and better-sse ${fmtBytes(heap('better-sse 0.16') - heap(LIBS[0]))}.`,
      ],
    },
  ];
}

await runServer();
