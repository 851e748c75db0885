/**
 * @module Channel throughput (buffered 128 and unbuffered) against a hand-written hand-off floor and ts-chan, and the
 * bytes each blocked waiter costs.
 *
 * Run alone: `cd packages/goscale && node --conditions=source --expose-gc --import tsx bench/chan.bench.ts`.
 */
import { setMaxListeners } from 'node:events';
import { Chan } from 'ts-chan';
import { Channel, recvOn, select, sendOn } from '../src/chan/index.js';
import {
  fmtBytes,
  fmtNs,
  fmtRatio,
  goal,
  heapUsed,
  measure,
  report,
  type BenchSection,
} from '../../../bench/harness.js';

const N = 1_000_000;
const CAP = 128;
const GOAL = 3;

/** The two calls a one-producer, one-consumer run needs; `recv` returns the value itself. */
interface Pipe {
  send(v: number): Promise<void>;
  recv(): Promise<number>;
}

const RESOLVED = Promise.resolve();

// The floor: the simplest correct bounded hand-off for one producer and one consumer, written by hand with one
// waiting slot per side. A channel has to do more (many waiters, abort, close, select), so this is what it costs at
// least.
function floorBuffered(cap: number): Pipe {
  const buf: number[] = [];
  let taker: ((v: number) => void) | undefined;
  let putter: (() => void) | undefined;
  return {
    send(v) {
      if (taker !== undefined) {
        const t = taker;
        taker = undefined;
        t(v);
        return RESOLVED;
      }
      if (buf.length < cap) {
        buf.push(v);
        return RESOLVED;
      }
      return new Promise<void>((resolve) => {
        putter = () => {
          buf.push(v);
          resolve();
        };
      });
    },
    recv() {
      if (buf.length > 0) {
        const v = buf.shift()!;
        if (putter !== undefined) {
          const p = putter;
          putter = undefined;
          p();
        }
        return Promise.resolve(v);
      }
      return new Promise<number>((resolve) => (taker = resolve));
    },
  };
}

// The unbuffered floor: a rendezvous; the sender's promise settles when the receiver has the value.
function floorUnbuffered(): Pipe {
  let taker: ((v: number) => void) | undefined;
  let giver: { v: number; resolve: () => void } | undefined;
  return {
    send(v) {
      if (taker !== undefined) {
        const t = taker;
        taker = undefined;
        t(v);
        return RESOLVED;
      }
      return new Promise<void>((resolve) => (giver = { v, resolve }));
    },
    recv() {
      if (giver !== undefined) {
        const g = giver;
        giver = undefined;
        g.resolve();
        return Promise.resolve(g.v);
      }
      return new Promise<number>((resolve) => (taker = resolve));
    },
  };
}

/**
 * One producer sends 0..n-1 with `await send(i)`; one consumer takes n values with `await recv()`. The sum proves that
 * every value arrived exactly once.
 */
async function pump<R>(
  send: (v: number) => Promise<void>,
  recv: () => Promise<R>,
  valueOf: (r: R) => number,
  n: number,
): Promise<void> {
  const producer = (async () => {
    for (let i = 0; i < n; i++) await send(i);
  })();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += valueOf(await recv());
  await producer;
  if (sum !== (n * (n - 1)) / 2) throw new Error(`lost values: sum ${sum}`);
}

const variants = {
  floor: (cap: number) => {
    const pipe = cap === 0 ? floorUnbuffered() : floorBuffered(cap);
    return pump(pipe.send, pipe.recv, (v) => v, N);
  },
  goscale: (cap: number) => {
    const ch = new Channel<number>(cap);
    return pump(
      (v) => ch.send(v),
      () => ch.recv(),
      (r) => r.value!,
      N,
    );
  },
  forAwait: async (cap: number) => {
    const ch = new Channel<number>(cap);
    const producer = (async () => {
      for (let i = 0; i < N; i++) await ch.send(i);
      ch.close();
    })();
    let sum = 0;
    for await (const v of ch) sum += v;
    await producer;
    if (sum !== (N * (N - 1)) / 2) throw new Error(`lost values: sum ${sum}`);
  },
  tsChan: (cap: number) => {
    const ch = new Chan<number>(cap);
    return pump(
      (v) => ch.send(v),
      () => ch.recv(),
      (r: IteratorResult<number, number | undefined>) => r.value!,
      N,
    );
  },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = 3;
const sections: BenchSection[] = [];
const notes: string[] = [];
const rows: string[][] = [
  [
    'channel',
    'hand-written floor',
    'goscale',
    'goscale `for await`',
    'ts-chan 0.6',
    'goscale / floor',
    'ts-chan / goscale',
  ],
];
for (const [label, cap] of [
  [`buffered (${CAP})`, CAP],
  ['unbuffered', 0],
] as const) {
  // The rounds interleave the implementations, so load from other processes on this shared machine falls on all of
  // them alike; round 0 is a warm-up. ts-chan is several times slower: one run of a million values is its sample.
  const samples = { floor: [] as number[], goscale: [] as number[], forAwait: [] as number[] };
  let tsChan = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of ['floor', 'goscale', 'forAwait'] as const) {
      const ns = await measure(() => variants[name](cap), N, { rounds: 1, warmup: 0 });
      if (round > 0) samples[name].push(ns);
    }
    if (round === 2) tsChan = await measure(() => variants.tsChan(cap), N, { rounds: 1, warmup: 0 });
  }
  const floor = median(samples.floor);
  const ours = median(samples.goscale);
  const iter = median(samples.forAwait);
  const ratio = ours / floor;
  rows.push([
    label,
    fmtNs(floor),
    fmtNs(ours),
    fmtNs(iter),
    fmtNs(tsChan),
    fmtRatio(ratio),
    fmtRatio(tsChan / ours),
  ]);
  notes.push(
    goal(
      ratio <= GOAL,
      `${label}: goscale takes ${fmtRatio(ratio)} the floor's time (goal: within ${GOAL}x).`,
    ),
  );
  notes.push(
    `${label}: ts-chan takes ${fmtRatio(tsChan / ours)} goscale's time per value; \`for await\` takes ` +
      `${fmtRatio(iter / floor)} the floor's.`,
  );
}
sections.push({
  title: 'Channels: a million values, one producer, one consumer',
  description:
    `${N.toLocaleString('en-US')} numbers sent with \`await send(i)\` and received with \`await recv()\` (or ` +
    '`for await`); the floor is a hand-written promise hand-off with one waiting slot per side (a bounded array for ' +
    `the buffered case). Median of ${ROUNDS} interleaved rounds after a warm-up round (ts-chan: one run); time per value.`,
  rows,
  notes,
});

// select: one consumer selects over two channels fed by two producers; a plain recv() from one channel fed by two
// producers is the same work without select.
async function fanIn(cap: number, useSelect: boolean): Promise<void> {
  const a = new Channel<number>(cap);
  const b = useSelect ? new Channel<number>(cap) : a;
  const half = N / 2;
  const produce = async (ch: Channel<number>) => {
    for (let i = 0; i < half; i++) await ch.send(1);
  };
  const producers = [produce(a), produce(b)];
  const cases = [recvOn(a), recvOn(b)] as const;
  let sum = 0;
  for (let i = 0; i < N; i++) sum += useSelect ? (await select(cases)).value! : (await a.recv()).value!;
  await Promise.all(producers);
  if (sum !== N) throw new Error(`lost values: sum ${sum}`);
}
const selectRows: string[][] = [
  ['channels', 'two producers, `recv()`', 'two producers, `select` over two', 'ratio'],
];
const selectNotes: string[] = [];
for (const [label, cap] of [
  [`buffered (${CAP})`, CAP],
  ['unbuffered', 0],
] as const) {
  const plain: number[] = [];
  const selected: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const p = await measure(() => fanIn(cap, false), N, { rounds: 1, warmup: 0 });
    const q = await measure(() => fanIn(cap, true), N, { rounds: 1, warmup: 0 });
    if (round > 0) {
      plain.push(p);
      selected.push(q);
    }
  }
  const ratio = median(selected) / median(plain);
  selectRows.push([label, fmtNs(median(plain)), fmtNs(median(selected)), fmtRatio(ratio)]);
  selectNotes.push(`${label}: a two-case select costs ${fmtRatio(ratio)} a plain receive per value.`);
}
sections.push({
  title: 'Channels: select over two channels',
  description:
    `${N.toLocaleString('en-US')} values from two producers to one consumer, received either with \`recv()\` from ` +
    `one shared channel or with \`select([recvOn(a), recvOn(b)])\`. Median of ${ROUNDS} interleaved rounds after a ` +
    'warm-up; time per value.',
  rows: selectRows,
  notes: selectNotes,
});

// Bytes per blocked waiter: hold W pending operations, compare the heap before and after.
const W = 100_000;
async function bytesPer(start: (i: number) => Promise<unknown>, cleanup: () => void): Promise<number> {
  const hold = new Array<Promise<unknown>>(W).fill(RESOLVED);
  const before = heapUsed();
  for (let i = 0; i < W; i++) hold[i] = start(i);
  const after = heapUsed();
  cleanup();
  await Promise.allSettled(hold);
  return (after - before) / W;
}
const memRows: string[][] = [['blocked operation', 'bytes per waiter']];
async function memRow(
  label: string,
  start: (i: number) => Promise<unknown>,
  cleanup: () => void,
): Promise<void> {
  memRows.push([label, fmtBytes(await bytesPer(start, cleanup))]);
}
{
  const ch = new Channel<number>();
  await memRow(
    'goscale `recv()`',
    () => ch.recv(),
    () => ch.close(),
  );
}
{
  const ch = new Channel<number>();
  await memRow(
    'goscale `send(v)`',
    (i) => ch.send(i),
    () => {
      while (ch.tryRecv() !== undefined);
    },
  );
}
{
  const ch = new Channel<number>();
  // Node's EventTarget scans a signal's listeners on every add, so the waiters share 1,000 signals, not one.
  const signals = Array.from({ length: 1000 }, () => new AbortController().signal);
  setMaxListeners(Infinity, ...signals);
  await memRow(
    'goscale `recv({ signal })` (one listener each)',
    (i) => ch.recv({ signal: signals[i % 1000] }),
    () => ch.close(),
  );
}
{
  const a = new Channel<number>();
  const b = new Channel<number>();
  await memRow(
    'goscale `select([recvOn(a), sendOn(b, v)])`',
    (i) => select([recvOn(a), sendOn(b, i)]),
    () => a.close(),
  );
}
{
  const ch = new Chan<number>();
  await memRow(
    'ts-chan 0.6 `recv()`',
    () => ch.recv(),
    () => ch.close(),
  );
}
sections.push({
  title: 'Channels: bytes per blocked waiter',
  description: `Heap growth (after full GCs) while ${W.toLocaleString('en-US')} operations wait, divided by their number; includes each operation's promise.`,
  rows: memRows,
  notes: [],
});

report('chan.bench.ts', sections);
