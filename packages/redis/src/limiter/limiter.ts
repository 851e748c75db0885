/**
 * @module `RedisLimiter`: one token bucket shared by every replica, kept in Redis as a GCRA arrival time.
 */
import { Limiter } from 'goscale/rate';
import { checkClient, isReplyError, type RedisClient } from '../internal/client.js';
import {
  checkInteger,
  checkKey,
  checkPositive,
  checkSignal,
  describe,
  reasonOf,
} from '../internal/checks.js';
import { RedisClock } from './internal/clock.js';
import { giveBack, take } from './lua.js';
import type {
  RedisErrorPolicy,
  RedisLimiterOptions,
  RedisLimiterStats,
  RedisReservation,
} from './options.js';

export type {
  RedisErrorPolicy,
  RedisLimiterOptions,
  RedisLimiterStats,
  RedisReservation,
} from './options.js';

const OWNER = 'redis limiter';
const noop = async (): Promise<void> => {};

interface Taken {
  granted: boolean;
  delayUs: number;
  tat: string;
  /** performance.now() at which the reservation is due (never earlier than Redis planned). */
  dueMs: number;
}

/**
 * goscale's `Limiter` for many processes: `rate` tokens per second and a bucket of `burst`, shared by every replica
 * that uses the same `key`. Go: `golang.org/x/time/rate` with its state in Redis; npm: rate-limiter-flexible,
 * bottleneck's clustering.
 *
 * Invariants:
 * - Rate: measured on the Redis clock (`TIME`, never a replica's), the tokens granted over any window [t0, t1] never
 *   exceed `burst + rate × (t1 − t0)`, across all replicas. The state is the GCRA theoretical arrival time in integer
 *   microseconds; each token costs `ceil(1e6 / rate)` µs, so rounding can only make the rate lower, never higher.
 * - FIFO across replicas: `wait` is a reservation. One script moves the arrival time forward and answers how long to
 *   sleep; the caller sleeps locally. Callers are served in the order their reservations reached Redis, whichever
 *   replica they run on, with one round trip per call and no polling.
 * - An aborted `wait` rejects with `signal.reason` at once; its reservation is given back (compare-and-set on the
 *   arrival time, as `x/time/rate` does) when no later reservation depends on it and it is not due yet. Waits aborted
 *   together are given back newest first in one round trip, so an abort storm restores the bucket entirely.
 * - A rejected `allow` takes nothing and writes nothing.
 * - Redis down: `onRedisError` decides (`'reject'` by default); every such call is counted in `stats`. A call made
 *   while node-redis reconnects fails over at once instead of waiting in node-redis' offline queue.
 * - Keys: one string key, `goscale:limiter:{key}`, expiring by itself when the bucket is full again.
 *
 * Limits: a replica paused (GC, SIGSTOP) after its reservation acts late, never early: pauses lower the rate seen
 * downstream, they cannot raise it. A Redis restart without persistence forgets the bucket: it starts full, so up to
 * `burst` extra tokens can pass once.
 *
 * Cost: one EVALSHA per `wait`/`allow`/`reserve` (two right after the script cache was emptied), one per batch of
 * aborted waits; a `wait` that must sleep holds one timer.
 * @example
 * ```ts
 * const client = await createClient({ url }).connect();
 * const api = new RedisLimiter(client, { key: 'partner-api', rate: 100, burst: 10 });
 * await api.wait(1, { signal }); // 100 calls/s for all replicas together
 * ```
 */
export class RedisLimiter {
  readonly rate: number;
  readonly burst: number;
  readonly key: string;
  readonly #client: RedisClient;
  readonly #interval: number;
  readonly #policy: RedisErrorPolicy;
  readonly #local: Limiter | undefined;
  readonly #stats: RedisLimiterStats = {
    roundTrips: 0,
    redisErrors: 0,
    rejectedOnError: 0,
    allowedOnError: 0,
    local: 0,
    givenBack: 0,
  };
  #back: { tat: string; cost: number }[] = [];
  #backSent: Promise<void> | undefined;
  readonly #inflight = new Set<Promise<void>>();
  #closed = false;
  readonly #clock = new RedisClock();

  /**
   * @param client - a connected node-redis client; the limiter only sends commands through it and never closes it.
   * @param options - see {@link RedisLimiterOptions}; a bad value throws naming it.
   */
  constructor(client: RedisClient, options: RedisLimiterOptions) {
    checkClient(OWNER, client);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${OWNER}: expected options { key, rate, burst }, got ${describe(options)}`);
    }
    const { key, rate, burst, onRedisError = 'reject', replicas } = options;
    checkKey(OWNER, key);
    checkPositive(OWNER, 'rate', rate);
    checkInteger(OWNER, 'burst', burst, 1);
    if (onRedisError !== 'reject' && onRedisError !== 'allow' && onRedisError !== 'local') {
      throw new TypeError(
        `${OWNER}: expected \`onRedisError\` to be 'reject', 'allow' or 'local', got ${describe(onRedisError)}`,
      );
    }
    if (onRedisError === 'local' || replicas !== undefined) checkInteger(OWNER, 'replicas', replicas, 1);
    this.#interval = Math.ceil(1e6 / rate);
    if (this.#interval * burst > Number.MAX_SAFE_INTEGER / 1024) {
      throw new RangeError(`${OWNER}: burst / rate is too large, got burst ${burst} at rate ${rate}`);
    }
    this.#client = client;
    this.key = `goscale:limiter:{${key}}`;
    this.rate = rate;
    this.burst = burst;
    this.#policy = onRedisError;
    this.#local = onRedisError === 'local' ? new Limiter({ rate: rate / replicas!, burst }) : undefined;
  }

  /** A copy of the counters. */
  get stats(): RedisLimiterStats {
    return { ...this.#stats };
  }

  /**
   * Waits until `n` tokens are the caller's, in FIFO order with every `wait` and `reserve` on every replica.
   *
   * @param n - tokens, an integer from 0 up to `burst` (default 1).
   * @param options - `signal`: aborting rejects with `signal.reason` and gives the reservation back when it can.
   * @returns a promise that resolves when the tokens are the caller's; it rejects at once with a RangeError when `n`
   *   exceeds the burst, and with the Redis error under `onRedisError: 'reject'`.
   */
  async wait(n = 1, options?: { signal?: AbortSignal | undefined }): Promise<void> {
    const signal = options?.signal;
    this.#checkN(n);
    checkSignal(OWNER, signal);
    if (n > this.burst) throw exceeds(n, this.burst);
    if (signal?.aborted) throw reasonOf(signal);
    let taken: Taken;
    try {
      taken = await this.#take(n, 'reserve');
    } catch (error) {
      const fallback = this.#fallback(error);
      if (fallback === 'allow') return;
      return this.#local!.wait(n, { signal });
    }
    if (taken.delayUs === 0) return;
    const cost = n * this.#interval;
    if (signal?.aborted) {
      void this.#giveBack(taken.tat, cost);
      throw reasonOf(signal);
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        void this.#giveBack(taken.tat, cost);
        reject(reasonOf(signal!));
      };
      // Rounded up: a timer may be late, never early, so the rate seen downstream never exceeds Redis' plan.
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, Math.ceil(taken.dueMs - performance.now())),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Takes `n` tokens if they are in the bucket now; never waits. A `false` takes and writes nothing.
   *
   * @returns true when taken; false otherwise, and always when `n` exceeds the burst.
   */
  async allow(n = 1): Promise<boolean> {
    this.#checkN(n);
    if (n > this.burst) return false;
    try {
      return (await this.#take(n, 'allow')).granted;
    } catch (error) {
      return this.#fallback(error) === 'allow' || this.#local!.allow(n);
    }
  }

  /**
   * Reserves `n` tokens behind every reservation already made, without waiting: act after `delayMs`, or `cancel()`.
   *
   * @returns `{ ok, delayMs, cancel }`; `ok` is false (nothing reserved) when `n` exceeds the burst.
   */
  async reserve(n = 1): Promise<RedisReservation> {
    this.#checkN(n);
    if (n > this.burst) return { ok: false, delayMs: Infinity, cancel: noop };
    let taken: Taken;
    try {
      taken = await this.#take(n, 'reserve');
    } catch (error) {
      if (this.#fallback(error) === 'allow') return { ok: true, delayMs: 0, cancel: noop };
      const r = this.#local!.reserve(n);
      return { ok: r.ok, delayMs: r.delayMs, cancel: async () => r.cancel() };
    }
    let cancelled = false;
    return {
      ok: true,
      delayMs: taken.delayUs === 0 ? 0 : Math.max(0, taken.dueMs - performance.now()),
      cancel: () => {
        if (cancelled || taken.delayUs === 0) return Promise.resolve();
        cancelled = true;
        return this.#giveBack(taken.tat, n * this.#interval);
      },
    };
  }

  /** Sends the give-backs still queued and waits for them; later calls reject. The client stays open (it is yours). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flush();
    await Promise.all(this.#inflight);
  }

  #checkN(n: unknown): asserts n is number {
    if (this.#closed) throw new Error(`${OWNER}: closed`);
    checkInteger(OWNER, 'n', n, 0);
  }

  async #take(n: number, mode: 'allow' | 'reserve'): Promise<Taken> {
    const cost = String(n * this.#interval);
    const tau = String(this.burst * this.#interval);
    const reply = (await take.run(this.#client, [this.key], [cost, tau, mode], this.#stats)) as [
      number,
      number,
      string,
      string,
    ];
    const delayUs = Number(reply[1]);
    const nowUs = Number(reply[3]);
    this.#clock.sample(nowUs, performance.now());
    return {
      granted: reply[0] === 1,
      delayUs,
      tat: String(reply[2]),
      dueMs: this.#clock.toLocal(nowUs + delayUs),
    };
  }

  /** Applies the policy to a failed call: returns 'allow' or 'local', or throws. Redis' own errors always throw. */
  #fallback(error: unknown): 'allow' | 'local' {
    if (isReplyError(error) || error instanceof TypeError) throw error;
    this.#stats.redisErrors++;
    if (this.#policy === 'reject') {
      this.#stats.rejectedOnError++;
      throw error;
    }
    if (this.#policy === 'allow') this.#stats.allowedOnError++;
    else this.#stats.local++;
    return this.#policy;
  }

  /** Queues a give-back; those queued in one tick go out together, newest reservation first. */
  #giveBack(tat: string, cost: number): Promise<void> {
    this.#back.push({ tat, cost });
    if (this.#backSent) return this.#backSent;
    const sent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#backSent = undefined;
      return this.#flush();
    });
    this.#backSent = sent;
    this.#inflight.add(sent);
    void sent.finally(() => this.#inflight.delete(sent));
    return sent;
  }

  async #flush(): Promise<void> {
    const batch = this.#back;
    if (batch.length === 0) return;
    this.#back = [];
    // Same-length decimal strings (microseconds since 1970) sort like the numbers they are.
    batch.sort((a, b) => (a.tat < b.tat ? 1 : a.tat > b.tat ? -1 : 0));
    const args = [String(this.burst * this.#interval), ...batch.flatMap((b) => [b.tat, String(b.cost)])];
    try {
      this.#stats.givenBack += Number(await giveBack.run(this.#client, [this.key], args, this.#stats));
    } catch {
      // Redis unreachable: the reservations stay taken, which errs on the side of the rate.
      this.#stats.redisErrors++;
    }
  }
}

function exceeds(n: number, burst: number): RangeError {
  return new RangeError(`${OWNER}: wait(${n}) exceeds the burst ${burst}: it could never be granted`);
}
