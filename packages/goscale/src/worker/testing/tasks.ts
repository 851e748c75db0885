/**
 * @module Task functions for the worker tests, run inside pool threads. Gates are SharedArrayBuffers: slot 0 counts
 * tasks that started, slot 1 opens when the test sets it, so no test waits on a clock.
 * @internal
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { move } from '../move.js';
import { waitAsync } from './gate.js';

export default function echo(x: unknown): unknown {
  return x;
}

export function add({ a, b }: { a: number; b: number }): number {
  return a + b;
}

function arrive(gate: SharedArrayBuffer): Int32Array {
  const s = new Int32Array(gate);
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
  return s;
}

/** Burns about `ms` of CPU (none by default), then returns the id of the thread it ran on. */
export function whoami(ms = 0): number {
  burn(ms);
  return threadId;
}

/** Blocks its thread until the gate opens, then returns `value`. */
export function hold({ gate, value }: { gate: SharedArrayBuffer; value?: unknown }): unknown {
  const s = arrive(gate);
  while (Atomics.load(s, 1) === 0) Atomics.wait(s, 1, 0);
  return value;
}

/** Never returns and never yields: only ending the thread stops it. */
export function spin({ gate }: { gate: SharedArrayBuffer }): never {
  arrive(gate);
  for (;;);
}

/** Waits for the gate without blocking its thread; stops with the signal's reason when aborted. */
export async function park(
  { gate }: { gate: SharedArrayBuffer },
  { signal }: { signal: AbortSignal },
): Promise<string> {
  const s = arrive(gate);
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  await Promise.race([waitAsync(s, 1, 0).value, aborted]);
  return 'opened';
}

/** Reports the reason its signal aborted with, instead of failing. */
export async function abortReason(
  { gate }: { gate: SharedArrayBuffer },
  { signal }: { signal: AbortSignal },
): Promise<void> {
  const s = arrive(gate);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  Atomics.store(s, 2, signal.reason instanceof Error && signal.reason.message === 'stop' ? 1 : 2);
  Atomics.notify(s, 2);
}

/** Awaits a real timer: the thread's event loop runs while a task waits. */
export async function later(ms: number): Promise<string> {
  await sleep(ms);
  return `after ${ms}`;
}

export class QuotaError extends Error {
  code = 'E_QUOTA';
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

export function fail(kind: string): never {
  if (kind === 'type') throw Object.assign(new TypeError('bad input'), { code: 'E_BAD' });
  if (kind === 'custom') throw new QuotaError('over quota');
  if (kind === 'cause') throw new Error('outer', { cause: new RangeError('inner') });
  if (kind === 'aggregate') throw new AggregateError([new Error('a'), new TypeError('b')], 'both');
  if (kind === 'value') throw { reason: 'not an error' };
  throw new Error(kind);
}

export async function failLater(message: string): Promise<never> {
  await sleep(1);
  throw new SyntaxError(message);
}

/** The byte length and first byte of a transferred buffer. */
export function inspect(buffer: ArrayBuffer): [number, number] {
  return [buffer.byteLength, new Uint8Array(buffer)[0] ?? -1];
}

export function filled(n: number) {
  return move(new Uint8Array(n).fill(7));
}

export function unclonable(): unknown {
  return () => 1;
}

/** An uncaught error outside the task: the thread crashes. */
export function crash(): Promise<never> {
  setImmediate(() => {
    throw new Error('thread crashed');
  });
  return new Promise<never>(() => {});
}

export function exit(code: number): never {
  process.exit(code);
}

export function exhaust(): never {
  const hog: number[][] = [];
  for (;;) hog.push(new Array<number>(1e6).fill(1));
}

/** Burns about `ms` of CPU and returns a checksum, so the work cannot be optimised away. */
export function burn(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 31 + i) | 0;
  return x;
}

/**
 * Counts its run in `counts[id]`, then returns at once, burns 3 ms (so the pool sends it ahead and takes it back),
 * holds its thread until the gate opens, or spins forever.
 */
export function mark(
  {
    counts,
    gate,
    id,
    kind,
  }: { counts: SharedArrayBuffer; gate: SharedArrayBuffer; id: number; kind: string },
  context: { signal: AbortSignal },
): unknown {
  Atomics.add(new Int32Array(counts), id, 1);
  if (kind === 'hold') return hold({ gate, value: id });
  if (kind === 'park') return park({ gate }, context).then(() => id);
  if (kind === 'spin') spin({ gate });
  if (kind === 'burn') burn(3);
  return id;
}
