/**
 * @module Test model: a closed-loop client driving an `AdaptiveLimit` against a simulated server, in virtual time.
 * Synchronous and deterministic: an event queue of completions, a seeded jitter, no timers and no promises.
 * @internal
 */
import type { AdaptiveLimit } from '../adaptive.js';

/** A seeded uniform generator in [0, 1) (mulberry32). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded log-normal generator with median 1 and shape `sigma`. */
export function lognormal(seed: number, sigma: number): () => number {
  const u = uniform(seed);
  return () => Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

/** What the server does with one request arriving with `n` requests in service (itself included) at `now`. */
export type Server = (n: number, now: number) => { ms: number; overload?: boolean };

/**
 * A server with a knee (the demo database's model): service time `baseMs * jitter * max(1, (n / knee) ^ alpha)`, so
 * past the knee throughput falls as n ^ (1 - alpha). `knee` may be a function of time (capacity changing mid-run).
 */
export function kneeServer(options: {
  knee: number | ((now: number) => number);
  baseMs: number;
  alpha?: number;
  sigma?: number;
  seed?: number;
}): Server {
  const { knee, baseMs, alpha = 1.5, sigma = 0.3, seed = 1 } = options;
  const jitter = lognormal(seed, sigma);
  return (n, now) => {
    const k = typeof knee === 'function' ? knee(now) : knee;
    return { ms: baseMs * jitter() * Math.max(1, (n / k) ** alpha) };
  };
}

/** A server with `workers` and a queue of `queue` places: a request beyond both fails at once as an overload. */
export function queueServer(options: {
  workers: number;
  queue: number;
  baseMs: number;
  sigma?: number;
  seed?: number;
}): Server {
  const { workers, queue, baseMs, sigma = 0.3, seed = 1 } = options;
  const jitter = lognormal(seed, sigma);
  // Treated as an M/D/c-like queue: a request waits for the ones ahead of it beyond the workers.
  return (n) =>
    n > workers + queue ? { ms: 0.1, overload: true } : { ms: baseMs * jitter() * Math.max(1, n / workers) };
}

export interface RunResult {
  /** Virtual time when the last task finished (ms). */
  endMs: number;
  /** [time, limit] after every change, starting with the initial limit. */
  limits: [number, number][];
  /** Completion times of the successful tasks, in order. */
  done: number[];
  overloads: number;
  /** The most tasks in flight at once, and whether any admission exceeded the limit in force. */
  peak: number;
  exceeded: boolean;
}

/**
 * Runs `tasks` tasks through `limit` against `server`, admitting while fewer than `limit.current` are in flight (as
 * the engines do) and reporting each completion with `limit.record`. `clock` must be the clock `limit` reads.
 */
export function run(limit: AdaptiveLimit, clock: { now: number }, server: Server, tasks: number): RunResult {
  // Pending completions, kept sorted by time (the in-flight count is small, so insertion is cheap).
  const pending: { at: number; start: number; inFlight: number; overload: boolean; end: number }[] = [];
  const serverBusy: number[] = [];
  const limits: [number, number][] = [[clock.now, limit.current]];
  const done: number[] = [];
  let started = 0;
  let overloads = 0;
  let peak = 0;
  let exceeded = false;
  const admit = (): void => {
    while (started < tasks && pending.length < limit.current) {
      started++;
      const now = clock.now;
      for (let i = serverBusy.length - 1; i >= 0; i--) if (serverBusy[i]! <= now) serverBusy.splice(i, 1);
      const reply = server(serverBusy.length + 1, now);
      const end = now + reply.ms;
      if (!reply.overload) serverBusy.push(end);
      const entry = {
        at: end,
        start: now,
        inFlight: pending.length + 1,
        overload: reply.overload === true,
        end,
      };
      let i = pending.length;
      while (i > 0 && pending[i - 1]!.at > end) i--;
      pending.splice(i, 0, entry);
      if (pending.length > peak) peak = pending.length;
      if (pending.length > limit.current) exceeded = true;
    }
  };
  admit();
  while (pending.length > 0) {
    const next = pending.shift()!;
    clock.now = next.at;
    const before = limit.current;
    if (next.overload) {
      overloads++;
      limit.record(next.start, next.inFlight, true, Object.assign(new Error('overloaded'), { status: 503 }));
    } else {
      done.push(next.at);
      limit.record(next.start, next.inFlight, false, undefined);
    }
    if (limit.current !== before) limits.push([clock.now, limit.current]);
    admit();
  }
  return { endMs: clock.now, limits, done, overloads, peak, exceeded };
}

/** The time-weighted mean of the limit between `fromMs` and `toMs`. */
export function meanLimit(limits: readonly [number, number][], fromMs: number, toMs: number): number {
  let sum = 0;
  for (let i = 0; i < limits.length; i++) {
    const [at, value] = limits[i]!;
    const end = Math.min(toMs, limits[i + 1]?.[0] ?? toMs);
    const begin = Math.max(fromMs, at);
    if (end > begin) sum += (end - begin) * value;
  }
  return sum / (toMs - fromMs);
}

/** The limit in force at `atMs`. */
export function limitAt(limits: readonly [number, number][], atMs: number): number {
  let value = limits[0]![1];
  for (const [at, v] of limits) if (at <= atMs) value = v;
  return value;
}
