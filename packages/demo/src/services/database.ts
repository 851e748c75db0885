/**
 * @module The database-like service of section 3: throughput collapses past a concurrency knee.
 */
import { keyedLognormal } from '../lib/prng.js';
import { InFlight, listen, pause, sendJson, type Running } from './server.js';

/** The database's capacity model (documented in packages/demo/README.md). */
export interface DatabaseOptions {
  seed: number;
  /** Median service time of one query when alone. Default 5 ms. */
  medianMs?: number;
  /** Concurrent queries the database serves without slowing down. Default 8. */
  knee?: number;
  /** How steeply it slows past the knee: service time x (inFlight / knee) ^ alpha. Default 1.5. */
  alpha?: number;
  /** A query whose service time would exceed this is cut off here and answered 503. Default 2,000 ms. */
  statementTimeoutMs?: number;
  /** Time of one key-value read or write (`GET`/`PUT /kv/<key>`). Default 2 ms. */
  kvMs?: number;
}

/** What the database observed since the last reset. */
export interface DatabaseStats {
  peakInFlight: number;
  ok: number;
  timedOut: number;
}

/** A running database. `POST /query/<id>` runs one query; `GET`/`PUT /kv/<key>` read and write one value. */
export interface Database extends Running {
  /** Service time of query `id` with `inFlight` queries running (itself included), before the statement timeout. */
  serviceMs(id: number, inFlight: number): number;
  stats(): DatabaseStats;
  resetStats(): void;
  /** The value stored under `key` (0 when unset). */
  value(key: string): number;
}

/**
 * The slowdown factor with `inFlight` concurrent queries: 1 up to the knee, then `(inFlight / knee) ^ alpha`.
 * @param inFlight - queries in flight, the arriving one included.
 * @param knee - the concurrency the database serves without slowing down.
 * @param alpha - the steepness; above 1, total throughput falls past the knee.
 * @returns the factor, at least 1.
 * @example
 * ```ts
 * slowdown(40, 10, 1.5) // 8
 * ```
 */
export function slowdown(inFlight: number, knee: number, alpha: number): number {
  return inFlight <= knee ? 1 : (inFlight / knee) ** alpha;
}

/**
 * Starts the database. Model: a query's service time is its seeded base time times {@link slowdown} of the number
 * of queries in flight when it arrives (itself included; "in flight" by the model's clock: admitted and within
 * their service time) (lock contention and cache thrashing grow faster than the load), so past the
 * knee every extra concurrent query lowers the total throughput; a query past the statement timeout is answered 503
 * after the timeout. The key-value endpoints take a fixed `kvMs` and are not slowed (they serve section 3's race).
 *
 * @param options - the model's parameters.
 * @returns the running database.
 * @example
 * ```ts
 * const db = await startDatabase({ seed: 42 });
 * await fetch(`${db.url}/query/1`, { method: 'POST' });
 * ```
 */
export async function startDatabase(options: DatabaseOptions): Promise<Database> {
  const { seed, medianMs = 5, knee = 8, alpha = 1.5, statementTimeoutMs = 2_000, kvMs = 2 } = options;
  const inFlight = new InFlight();
  // When each query admitted and not yet done will be done, by the model.
  let busyUntil: number[] = [];
  const kv = new Map<string, number>();
  let ok = 0;
  let timedOut = 0;
  const serviceMs = (id: number, n: number): number =>
    keyedLognormal(seed, `query-${id}`, medianMs, 0.3) * slowdown(n, knee, alpha);

  const running = await listen(async (req, res) => {
    const url = req.url ?? '';
    const kvKey = /^\/kv\/(\w+)$/.exec(url)?.[1];
    if (kvKey !== undefined) {
      if (req.method === 'GET') {
        await pause(kvMs);
        return sendJson(res, 200, { key: kvKey, value: kv.get(kvKey) ?? 0 });
      }
      if (req.method === 'PUT') {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const value = Number((JSON.parse(body) as { value: unknown }).value);
        await pause(kvMs);
        kv.set(kvKey, value);
        return sendJson(res, 200, { key: kvKey, value });
      }
    }
    const id = /^\/query\/(\d+)$/.exec(url)?.[1];
    if (req.method !== 'POST' || id === undefined) return sendJson(res, 404, { error: 'not found' });
    const leave = inFlight.enter();
    const gone = new AbortController();
    res.once('close', () => {
      leave();
      gone.abort();
    });
    // Contention is counted on the model's clock: queries whose service time has not yet elapsed. Counting open
    // responses instead would let a CPU stall in this process (late timers, late writes) masquerade as database
    // contention and feed a collapse the model does not describe.
    const now = performance.now();
    busyUntil = busyUntil.filter((end) => end > now);
    const ms = serviceMs(Number(id), busyUntil.length + 1);
    busyUntil.push(now + Math.min(ms, statementTimeoutMs));
    await pause(Math.min(ms, statementTimeoutMs), gone.signal);
    if (gone.signal.aborted) return;
    if (ms > statementTimeoutMs) {
      timedOut++;
      return sendJson(res, 503, { error: `statement timeout after ${statementTimeoutMs} ms` });
    }
    ok++;
    sendJson(res, 200, { id: Number(id), rows: 1 }, { 'x-service-ms': ms.toFixed(3) });
  });

  return {
    ...running,
    serviceMs,
    stats: () => ({ peakInFlight: inFlight.peak, ok, timedOut }),
    resetStats: () => {
      inFlight.reset();
      ok = timedOut = 0;
    },
    value: (key) => kv.get(key) ?? 0,
  };
}
