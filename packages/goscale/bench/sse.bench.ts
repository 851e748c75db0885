/**
 * @module SSE fan-out: goscale's Broker, better-sse's Channel and two hand-written floors (`sse-servers.ts`), side by
 * side in this process, their runs alternating; 2,000 loopback clients each, in child processes (`sse-clients.ts`).
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
import { now, tell, waitFor } from './sse-clients.js';
import { LIBS, makeFanout, type Fanout, type Lib } from './sse-servers.js';

const CLIENTS = 2_000;
const EVENTS = 200;
const PER_TURN = 10;
/** Throughput runs per server, alternating between the servers. */
const ROUNDS = 7;
/** Pairs of runs (none stalled, then 5% stalled) per server. */
const STALL_PAIRS = 3;
const CHILDREN = 2;
const STALLED_FRACTION = 0.05;

interface Run {
  throughput: number;
  p99: number;
  /** Server CPU time (user + system) per delivered event, from the first publish until every client had every event. */
  serverNs: number;
}

/** A run with none stalled, then one with a fresh 5% stalled. */
interface StallPair {
  base: Run;
  stalled: Run;
  /** Server heap growth over the stalled run, once the healthy clients had everything. */
  stalledHeap: number;
}

/** One server under test with its clients connected, side by side with the others. */
interface Group {
  lib: Lib;
  index: number;
  fanout: Fanout;
  server: http.Server;
  /** Server-side responses of each stall cohort. */
  cohorts: Map<number, http.ServerResponse[]>;
  /** Heap growth per client over its connect (no events yet). */
  heapPerClient: number;
  clients: number;
}

const log = (s: string): void => void process.stderr.write(`sse bench: ${s}\n`);

/** One run of group `g`: `events` published `PER_TURN` per event-loop turn, the cohort `stall` (or none) stalled. */
async function publishRun(children: ChildProcess[], g: Group, events: number, stall = -1): Promise<Run> {
  // The run command must reach the children before the first event does.
  await tell(children, { cmd: 'run', group: g.index, events, stall }, 'ready');
  const done = children.map((c) => waitFor(c, 'done'));
  const cpu = process.cpuUsage();
  const start = now();
  for (let i = 0; i < events; i++) {
    g.fanout.publish({ i, t: now() });
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

async function connectGroup(
  children: ChildProcess[],
  lib: Lib,
  index: number,
  clients = CLIENTS,
): Promise<Group> {
  const { fanout, handler } = makeFanout(lib);
  const cohorts = new Map<number, http.ServerResponse[]>();
  const server = http.createServer((req, res) => {
    const cohort = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cohort') ?? -1);
    if (cohort >= 0) cohorts.set(cohort, [...(cohorts.get(cohort) ?? []), res]);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const per = clients / children.length;
  const cohort = Math.round(per * STALLED_FRACTION);
  const heap0 = heapUsed();
  const msg = {
    cmd: 'connect',
    group: index,
    port,
    count: per,
    stallable: cohort * STALL_PAIRS,
    cohort,
  } as const;
  await tell(children, msg, 'connected');
  while (fanout.clients() < clients) await tick();
  const heapPerClient = (heapUsed() - heap0) / clients;
  return { lib, index, fanout, server, cohorts, heapPerClient, clients };
}

/** A run with none stalled, then cohort `j` stalled for good, then that cohort closed. */
async function stallPair(children: ChildProcess[], g: Group, j: number): Promise<StallPair> {
  const base = await publishRun(children, g, EVENTS);
  await tell(children, { cmd: 'run', group: g.index, events: 0, stall: j }, 'ready');
  // The children stopped reading the cohort; the server fills its sockets (a few MiB each on loopback) until data
  // stays in Node's buffer after a full turn of the loop: from then on every write to them is backpressured.
  const filler = `:${'x'.repeat(64 * 1024)}\n\n`;
  let filling = g.cohorts.get(j)!;
  for (let round = 0; round < 1000 && filling.length > 0; round++) {
    for (const res of filling) res.write(filler);
    await tick();
    await tick();
    filling = filling.filter((res) => res.writableLength < filler.length);
  }
  if (filling.length > 0) log(`${g.lib}: ${filling.length} stalled sockets never filled`);
  const heapBefore = heapUsed();
  const stalled = await publishRun(children, g, EVENTS, j);
  const stalledHeap = heapUsed() - heapBefore;
  await tell(children, { cmd: 'drop', group: g.index, cohort: j }, 'dropped');
  g.clients -= g.cohorts.get(j)!.length;
  for (let t = Date.now(); g.fanout.clients() > g.clients && Date.now() - t < 10_000;) await tick();
  log(`${g.lib}: p99 ${base.p99.toFixed(1)} → ${stalled.p99.toFixed(1)} ms with 5% stalled`);
  return { base, stalled, stalledHeap };
}

async function runServer(): Promise<void> {
  const file = fileURLToPath(new URL('./sse-clients.ts', import.meta.url));
  const children = Array.from({ length: CHILDREN }, () =>
    fork(file, ['sse-client'], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' }),
  );
  const started = Date.now();
  const groups: Group[] = [];
  try {
    // 500 clients first warm node:http up, so no measured connect pays its first-use costs; they stay idle.
    groups.push(await connectGroup(children, LIBS[0], LIBS.length, 500));
    for (const lib of LIBS) groups.push(await connectGroup(children, lib, groups.length - 1));
    const measured = groups.slice(1).sort((a, b) => a.index - b.index);
    // Warm-up, so no one pays for JIT compilation inside a measured run.
    for (const g of measured) await publishRun(children, g, 50);
    // Runs alternate between the servers, the order rotating each round and reversed every other round, so a load
    // that drifts hits all alike and no server always follows the same one (whose leftovers it would inherit).
    const runs = new Map<Lib, Run[]>(LIBS.map((l) => [l, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < measured.length; k++) {
        const g = measured[((r % 2 === 0 ? k : measured.length - 1 - k) + r) % measured.length]!;
        const run = await publishRun(children, g, EVENTS);
        runs.get(g.lib)!.push(run);
        log(`${g.lib}: ${Math.round(run.throughput)}/s, p99 ${run.p99.toFixed(1)} ms`);
      }
    }
    const pairs = new Map<Lib, StallPair[]>(LIBS.map((l) => [l, []]));
    for (let j = 0; j < STALL_PAIRS; j++) {
      for (let k = 0; k < measured.length; k++) {
        const g = measured[(k + j) % measured.length]!;
        pairs.get(g.lib)!.push(await stallPair(children, g, j));
      }
    }
    const heap = new Map(measured.map((g) => [g.lib, g.heapPerClient]));
    report('sse.bench.ts', sections(runs, pairs, heap, (Date.now() - started) / 1000));
  } finally {
    await tell(children, { cmd: 'close' }, 'closed').catch(() => {});
    for (const g of groups) {
      g.fanout.close();
      g.server.closeAllConnections();
      g.server.close();
    }
    for (const c of children) c.kill();
  }
}

/** Median and spread of `xs`, as `median (min–max)` text and the median itself. */
function stats(xs: number[], fmt: (x: number) => string): { median: number; text: string } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return { median, text: `${fmt(median)} (${fmt(s[0]!)}–${fmt(s.at(-1)!)})` };
}

function sections(
  runs: Map<Lib, Run[]>,
  pairs: Map<Lib, StallPair[]>,
  heap: Map<Lib, number>,
  secs: number,
): BenchSection[] {
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const perSec = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')} k/s`;
  const col = (lib: Lib, f: (r: Run) => number, format: (x: number) => string): string =>
    stats(runs.get(lib)!.map(f), format).text;
  const pairCol = (lib: Lib, f: (p: StallPair) => number, format: (x: number) => string) =>
    stats(pairs.get(lib)!.map(f), format);
  // Ratios are taken within each round (the servers ran one after the other), then their median.
  const ratio = (a: Lib, b: Lib, f = (r: Run) => r.throughput, format = fmtRatio) => {
    const bs = runs.get(b)!;
    return stats(
      runs.get(a)!.map((r, i) => f(r) / f(bs[i]!)),
      format,
    );
  };
  const ceiling = 'floor: coalesce per tick';
  // Two decimals where a goal is judged, so that a ratio shown as 1.1x is not read as meeting "within 1.1x".
  const exact = (x: number): string => `${x.toFixed(2)}x`;
  const vsCeiling = ratio(ceiling, 'goscale Broker', undefined, exact);
  const cpuVsCeiling = ratio('goscale Broker', ceiling, (r) => r.serverNs, exact);
  const vsBs = ratio('goscale Broker', 'better-sse 0.16');
  const floorGain = ratio(ceiling, 'floor: write per event');
  const stall = (lib: Lib) => pairCol(lib, (p) => p.stalled.p99 / p.base.p99, exact);
  const goStall = stall('goscale Broker');
  const idle = (lib: Lib): number => heap.get(lib)!;
  return [
    {
      title: 'SSE fan-out: Broker vs better-sse and the floors',
      description:
        `${CLIENTS.toLocaleString('en-US')} loopback SSE clients per server in ${CHILDREN} child processes (plain ` +
        `http.get), ${EVENTS} small JSON events a run, published ${PER_TURN} per event-loop turn. The four servers ` +
        'are connected side by side and their runs alternate, the order rotating each round and reversed every ' +
        'other round. Delivered/s counts ' +
        'events received across all clients from the first publish to the last receipt; latency is ' +
        'publish-to-receive; "server CPU" is the server process CPU time (writes and system calls included) per ' +
        'delivery. The floors are hand-written bare brokers writing the same bytes (no checks, no bounds, no ' +
        'slow-client policy). Median ' +
        `of ${ROUNDS} runs (min–max); ratios are taken within a round. Whole bench ${secs.toFixed(0)} s.`,
      rows: [
        ['server', 'delivered/s', 'p99 latency', 'server CPU', 'coalescing floor / this'],
        ...LIBS.map((lib) => [
          lib,
          col(lib, (r) => r.throughput, perSec),
          col(lib, (r) => r.p99, ms),
          col(lib, (r) => r.serverNs, fmtNs),
          ratio(ceiling, lib).text,
        ]),
      ],
      notes: [
        goal(
          vsCeiling.median <= 1.1,
          `goscale within 1.1x of the coalescing floor (the floor delivers ${vsCeiling.text} goscale's rate)`,
        ),
        goal(vsBs.median >= 2.5, `goscale at least 2.5x better-sse (measured ${vsBs.text})`),
        `Server CPU per delivery, goscale against the coalescing floor in the same round: ${cpuVsCeiling.text} ` +
          '(CPU time is less sensitive than wall-clock rates to what else the machine runs).',
        `Coalescing each client's events into one write per tick delivers ${floorGain.text} what writing every ` +
          'event to every socket does.',
      ],
    },
    {
      title: 'SSE with 5% stalled clients',
      description:
        `Pairs of runs: one with none stalled, then one with a fresh 5% of the clients (${Math.round(CLIENTS * STALLED_FRACTION)}) ` +
        'no longer reading (their sockets filled until Node reports backpressure first); p99 latency of the healthy ' +
        'clients, and the server heap the stalled run left waiting for the stalled ones, which are closed after the ' +
        `pair. Median of ${STALL_PAIRS} pairs (min–max), the servers alternating.`,
      rows: [
        ['server', 'p99, none stalled', 'p99, 5% stalled', 'ratio', 'server heap growth over the run'],
        ...LIBS.map((lib) => [
          lib,
          pairCol(lib, (p) => p.base.p99, ms).text,
          pairCol(lib, (p) => p.stalled.p99, ms).text,
          stall(lib).text,
          pairCol(lib, (p) => p.stalledHeap, fmtBytes).text,
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
        `Server heap growth while ${CLIENTS.toLocaleString('en-US')} clients connected to each server (no events ` +
        'yet), per client; the per-event floor (headers sent, response kept in a Set) is the node:http baseline.',
      rows: [['server', 'heap per client'], ...LIBS.map((lib) => [lib, fmtBytes(idle(lib))])],
      notes: [
        `Over bare node:http, goscale adds ${fmtBytes(idle('goscale Broker') - idle(LIBS[0]))} of heap per client ` +
          `and better-sse ${fmtBytes(idle('better-sse 0.16') - idle(LIBS[0]))}.`,
      ],
    },
  ];
}

await runServer();
