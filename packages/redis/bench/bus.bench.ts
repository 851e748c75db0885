/**
 * @module Benchmarks `redisBus`: 3 replica processes, each a Broker over one Redis stream, with 1,000 SSE clients
 * spread over them and 200 events published from one replica, next to one process with a Broker and no bus (the
 * same clients, the same events): throughput and publish-to-receive latency, the price of the bus.
 */
import http from 'node:http';
import { fmtRatio, goal, report, type BenchSection } from '../../../bench/harness.js';
import { Replica } from '../src/testing/replica.js';
import { needsRedis, RedisServer } from '../src/testing/server.js';

const FILE = 'packages/redis/bench/bus.bench.ts';
const CLIENTS = 1_000;
const EVENTS = 200;
const ROUNDS = 3;
/** The pace of the latency rounds: slow enough that no event queues behind the previous one. */
const INTERVAL_MS = 20;
const REPLICA = new URL('../src/bus/testing/replica.ts', import.meta.url);
const now = (): number => performance.timeOrigin + performance.now();

/** A raw SSE client: the latency of each event (its data carries the publish time) and the ids in order. */
function client(port: number, topic: string, onEvent: () => void) {
  const c = { latencies: [] as number[], ids: [] as string[], close: () => {} };
  return new Promise<typeof c>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/?topics=${topic}`, agent: false }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      let placed = false;
      res.on('data', (s: string) => {
        const at = now();
        buffer += s;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.indexOf('data: ');
          if (data === -1) {
            // The position line the Broker sends at connect: this client is registered.
            if (!placed) resolve(c);
            placed = true;
            continue;
          }
          c.ids.push(block.slice(4, block.indexOf('\n')));
          const line = block.slice(data + 6);
          c.latencies.push(at - Number(line.slice(line.indexOf(' ') + 1)));
          onEvent();
        }
      });
    });
    req.on('error', reject);
    c.close = () => req.destroy();
  });
}

interface Round {
  seconds: number;
  p50: number;
  p99: number;
  oneOrder: boolean;
}

async function round(nodes: Replica[], ports: number[], topic: string, intervalMs?: number): Promise<Round> {
  let received = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const onEvent = (): void => {
    if (++received === CLIENTS * EVENTS) finish();
  };
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => client(ports[i % ports.length]!, topic, onEvent)),
  );
  const start = now();
  nodes[0]!.send({ type: 'publish', topic, prefix: 'e', count: EVENTS, stamp: true, intervalMs });
  await nodes[0]!.next('published');
  await done;
  const seconds = (now() - start) / 1000;
  for (const c of clients) c.close();
  const all = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  const order = clients[0]!.ids.join(',');
  return {
    seconds,
    p50: all[Math.floor(all.length * 0.5)]!,
    p99: all[Math.floor(all.length * 0.99)]!,
    oneOrder: clients.every((c) => c.ids.length === EVENTS && c.ids.join(',') === order),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], f: (x: number) => string): string =>
  `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const rate = (x: number): string => `${Math.round(x).toLocaleString('en-US')}/s`;

async function main(): Promise<BenchSection[]> {
  const server = await RedisServer.start();
  const bus = Array.from({ length: 3 }, () => new Replica(REPLICA, [server.url, 'bench']));
  const alone = [new Replica(REPLICA, ['none', 'bench'])];
  try {
    const busPorts = await Promise.all(bus.map(async (r) => (await r.next('ready')).port as number));
    const alonePorts = [(await alone[0]!.next('ready')).port as number];
    await round(bus, busPorts, 'warmup-bus');
    await round(alone, alonePorts, 'warmup-alone');
    const burst: { bus: Round[]; alone: Round[] } = { bus: [], alone: [] };
    const paced: { bus: Round[]; alone: Round[] } = { bus: [], alone: [] };
    // Rounds alternate so that machine noise falls on both alike.
    for (let i = 0; i < ROUNDS; i++) {
      burst.alone.push(await round(alone, alonePorts, `alone-${i}`));
      burst.bus.push(await round(bus, busPorts, `bus-${i}`));
      paced.alone.push(await round(alone, alonePorts, `alone-paced-${i}`, INTERVAL_MS));
      paced.bus.push(await round(bus, busPorts, `bus-paced-${i}`, INTERVAL_MS));
    }
    const rows = [
      [
        'setup',
        'publishing',
        'deliveries/s (median)',
        'spread',
        'p50 latency',
        'p99 latency (median)',
        'p99 spread',
      ],
    ];
    const summary = (name: string, how: string, rs: Round[]) => {
      const tput = rs.map((r) => (CLIENTS * EVENTS) / r.seconds);
      const p99 = rs.map((r) => r.p99);
      const paced = how !== 'one burst'; // its rate is the pace's, not the system's
      rows.push([
        name,
        how,
        paced ? '—' : rate(median(tput)),
        paced ? '—' : range(tput, rate),
        ms(median(rs.map((r) => r.p50))),
        ms(median(p99)),
        range(p99, ms),
      ]);
      return { tput: median(tput), p99: median(p99) };
    };
    const ALONE = 'one process, Broker without a bus';
    const BUS = '3 replicas, Broker over `redisBus`';
    const a = summary(ALONE, 'one burst', burst.alone);
    const b = summary(BUS, 'one burst', burst.bus);
    const pa = summary(ALONE, `one per ${INTERVAL_MS} ms`, paced.alone);
    const pb = summary(BUS, `one per ${INTERVAL_MS} ms`, paced.bus);
    const all = [...burst.bus, ...burst.alone, ...paced.bus, ...paced.alone];
    const ordered = all.every((r) => r.oneOrder);
    return [
      {
        title: 'redisBus: the price of the bus (3 replicas, 1,000 SSE clients, 200 events)',
        description: `${CLIENTS} raw SSE clients in the bench process (spread evenly over the replicas), ${EVENTS} events published from one replica, in one burst (throughput) and paced (latency without queueing); latency = receive time minus the publish time stamped in the data (one machine, one clock), over all ${(CLIENTS * EVENTS).toLocaleString('en-US')} deliveries; throughput = deliveries / (first publish to last receive). Medians of ${ROUNDS} alternating rounds, one redis-server.`,
        rows,
        notes: [
          goal(
            ordered,
            'every client got all 200 events, and on all three replicas in one order under the same ids',
          ),
          `In a burst the bus costs ${fmtRatio(a.tput / b.tput)} in throughput and ${fmtRatio(b.p99 / a.p99)} in p99 latency; paced, p99 goes from ${ms(pa.p99)} to ${ms(pb.p99)}. Four processes and redis-server share the machine's cores here, so the integrator's quiet run decides.`,
          goal(
            pb.p99 - pa.p99 < 10,
            `paced, the bus adds under 10 ms to the p99 publish-to-receive latency (adds ${ms(pb.p99 - pa.p99)})`,
          ),
        ],
      },
    ];
  } finally {
    for (const r of [...bus, ...alone]) r.send({ type: 'close' });
    await Promise.all([...bus, ...alone].map((r) => r.exited));
    await server.stop();
  }
}

if (needsRedis) {
  process.stderr.write(`${needsRedis}\n`);
  report(FILE, [{ title: 'redisBus', description: needsRedis, rows: [], notes: [] }]);
} else {
  report(FILE, await main());
}
