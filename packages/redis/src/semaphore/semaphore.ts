/**
 * @module `RedisSemaphore`: a weighted semaphore shared by every replica, FIFO, leased and fenced, in Redis.
 */
import { randomUUID } from 'node:crypto';
import { checkClient, type RedisClient } from '../internal/client.js';
import { checkInteger, checkKey, checkSignal, describe, reasonOf } from '../internal/checks.js';
import { HeldLease, LeaseLostError, type Lease } from './lease.js';
import { leave, tick, tryTake } from './lua.js';
import type { RedisSemaphoreOptions, RedisSemaphoreStats } from './options.js';

export { LeaseLostError, type Lease } from './lease.js';
export type { RedisSemaphoreOptions, RedisSemaphoreStats } from './options.js';

const OWNER = 'redis semaphore';

interface Waiter {
  n: number;
  /** Whether a refresh has reached Redis with it (then only the timer's refreshes carry it). */
  queued: boolean;
  /** Local time the last refresh of this waiter was sent: its lease in Redis runs at least leaseMs from then. */
  refreshedAt: number;
  resolve(lease: Lease): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort(): void;
}

/**
 * goscale's `Semaphore` for many processes: `size` permits shared by every replica using `key`. Go:
 * `golang.org/x/sync/semaphore` with its queue in Redis; npm: redis-semaphore.
 *
 * Invariants:
 * - Never more than `size` permits out across all replicas, counting only leases Redis still records.
 * - Strict FIFO with head-of-line blocking: waiters queue by ticket in Redis; only the head is granted, so a large
 *   waiter is never overtaken by small later ones, and `tryAcquire` fails while anyone is queued.
 * - Wake-ups by pub/sub carry the grant itself (a hand-off costs the woken replica no round trip); a jittered poll
 *   (`min(leaseMs / 3, 1 s)`) refreshes every local waiter and holder in one script call and picks up any grant a
 *   lost message missed. A waiting replica costs Redis about one command a second, however many callers it has.
 * - Leases: an entry lives `leaseMs` past its process's last refresh. A process killed (kill -9) or stopped (SIGSTOP)
 *   past that loses its permits (holder) or its place (waiter: it queues again at the back when it wakes up); a
 *   waiter is never removed for having waited long. `lease.signal` aborts when the lease is lost, locally as soon as
 *   `leaseMs` passed since the last refresh that Redis confirmed, so a paused holder learns it on waking first thing.
 * - Fencing: every grant's `token` is strictly greater than all earlier ones on the key (it is
 *   `max(previous + 1, Redis TIME in µs)`, so it keeps increasing even across a Redis restart that lost the data, as
 *   long as the Redis clock does not go back). `release` and refresh check holder id and token.
 * - An aborted `acquire` rejects with `signal.reason` at once and its entry is removed from Redis in the background
 *   (when it was the head, the waiters behind it are granted in the same script); were it granted meanwhile, the
 *   grant is released.
 *
 * Limits: a Redis restart without persistence loses every lease: holders' signals abort at their next refresh and
 * waiters queue again. A holder that was paused cannot stop its own in-flight work: only the resource, checking
 * the token, can refuse it. While Redis is unreachable, waiters keep waiting (abort them with a signal) and holders
 * lose their leases after `leaseMs`.
 *
 * Cost: `acquire` that is granted at once and `release` are one script call each; `tryAcquire` is one.
 * @example
 * ```ts
 * const licences = new RedisSemaphore(client, { key: 'licences', size: 10, leaseMs: 10_000 });
 * await using lease = await licences.acquire(1, { signal });
 * await render(job, { signal: lease.signal, fencingToken: lease.token });
 * ```
 */
export class RedisSemaphore {
  readonly size: number;
  readonly leaseMs: number;
  readonly #client: RedisClient;
  readonly #keys: string[];
  readonly #channel: string;
  readonly #waiters = new Map<string, Waiter>();
  readonly #holders = new Map<string, HeldLease>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #stats: RedisSemaphoreStats = {
    roundTrips: 0,
    wakeups: 0,
    grantsByPoll: 0,
    lost: 0,
    redisErrors: 0,
  };
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** A waiter arrived (or the timer fired) while a tick was in flight: tick again as soon as it returns. */
  #again = false;
  #againAll = false;
  #closed = false;

  /**
   * @param client - a connected node-redis client; the semaphore duplicates it once for pub/sub (closed by `close()`)
   *   and never closes the client itself.
   */
  constructor(client: RedisClient, options: RedisSemaphoreOptions) {
    checkClient(OWNER, client);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${OWNER}: expected options { key, size, leaseMs }, got ${describe(options)}`);
    }
    const { key, size, leaseMs = 10_000 } = options;
    checkKey(OWNER, key);
    checkInteger(OWNER, 'size', size, 1);
    checkInteger(OWNER, 'leaseMs', leaseMs, 100);
    this.#client = client;
    this.size = size;
    this.leaseMs = leaseMs;
    const base = `goscale:semaphore:{${key}}`;
    this.#keys = [`${base}:queue`, `${base}:leases`, `${base}:entries`, `${base}:meta`];
    this.#channel = `${base}:granted`;
  }

  /** The Redis keys of this semaphore (queue, leases, entries, meta), for inspection. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** A copy of the counters. */
  get stats(): RedisSemaphoreStats {
    return { ...this.#stats };
  }

  /**
   * Waits for `n` permits, behind every waiter already queued on any replica.
   *
   * @param n - permits, a safe integer from 1 to `size` (default 1).
   * @param options - `signal`: aborting rejects with `signal.reason` and removes the entry from Redis.
   * @returns the {@link Lease}; it rejects with a RangeError when `n` exceeds `size`, and with an Error after
   *   `close()`. While Redis is unreachable it keeps waiting.
   */
  async acquire(n = 1, options?: { signal?: AbortSignal | undefined }): Promise<Lease> {
    const signal = options?.signal;
    this.#checkN(n);
    checkSignal(OWNER, signal);
    if (signal?.aborted) throw reasonOf(signal);
    const id = randomUUID();
    const lease = new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        n,
        queued: false,
        refreshedAt: performance.now(),
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#waiters.delete(id);
          this.#track(this.#leave(id, n, ''));
          reject(reasonOf(signal!));
        },
      };
      this.#waiters.set(id, waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    });
    // Subscribed before the first enqueue, so the grant message cannot slip past; the waiter is registered (and
    // abortable) meanwhile. Without Redis there is nothing to subscribe to yet: the poll retries both.
    if (this.#client.isReady) void this.#subscribe().then(() => this.#tick(false));
    else void this.#tick(false);
    return lease;
  }

  /**
   * Takes `n` permits if they are free now and nobody is queued on any replica; never waits. One round trip.
   *
   * @returns the lease, or undefined (nothing changed). Rejects with the Redis error when Redis is unreachable.
   */
  async tryAcquire(n = 1): Promise<Lease | undefined> {
    this.#checkN(n);
    const id = randomUUID();
    const sentAt = performance.now();
    const token = String(await this.#run(tryTake, [id, String(n)]));
    if (token === '0') return undefined;
    return this.#hold(id, n, Number(token), sentAt);
  }

  /**
   * Rejects the waiting acquires (and removes them from Redis), releases the leases still held (their signals
   * abort), and closes the pub/sub connection. The client stays open (it is yours).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const closed = new Error(`${OWNER}: closed`);
    for (const [id, w] of this.#waiters) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(closed);
      this.#track(this.#leave(id, w.n, ''));
    }
    this.#waiters.clear();
    for (const lease of this.#holders.values()) {
      lease.lose(closed);
      this.#track(lease.release());
    }
    await Promise.all(this.#inflight);
    const sub = this.#subscriber;
    this.#subscriber = undefined;
    if (sub) await sub.close().catch(() => sub.destroy());
  }

  #checkN(n: unknown): asserts n is number {
    if (this.#closed) throw new Error(`${OWNER}: closed`);
    checkInteger(OWNER, 'n', n, 1);
    if (n > this.size) {
      throw new RangeError(
        `${OWNER}: acquire(${n}) exceeds the size ${this.size}: it could never be granted`,
      );
    }
  }

  #run(script: typeof tick, args: string[]): Promise<unknown> {
    return script.run(
      this.#client,
      this.#keys,
      [this.size.toString(), String(this.leaseMs * 1000), this.#channel, ...args],
      this.#stats,
    );
  }

  #track(p: Promise<unknown>): void {
    const settled = p.then(
      () => {},
      () => {
        this.#stats.redisErrors++;
      },
    );
    this.#inflight.add(settled);
    void settled.finally(() => this.#inflight.delete(settled));
  }

  #subscribe(): Promise<void> {
    this.#subscribed ??= (async () => {
      const sub = this.#client.duplicate();
      sub.on('error', () => {}); // it reconnects (and resubscribes) by itself; the poll covers the gap
      this.#subscriber = sub;
      await sub.connect();
      await sub.subscribe(this.#channel, (message: string) => this.#onGranted(message));
      if (this.#closed) sub.destroy(); // close() ran while this connected
    })().catch(() => {
      this.#subscribed = undefined; // retried by the next acquire; meanwhile the poll grants
    });
    return this.#subscribed;
  }

  #onGranted(message: string): void {
    for (const grant of message.split(',')) {
      const colon = grant.lastIndexOf(':');
      const id = grant.slice(0, colon);
      const waiter = this.#waiters.get(id);
      if (!waiter) continue;
      this.#stats.wakeups++;
      this.#grant(id, waiter, Number(grant.slice(colon + 1)));
    }
  }

  #grant(id: string, waiter: Waiter, token: number): void {
    this.#waiters.delete(id);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(this.#hold(id, waiter.n, token, waiter.refreshedAt));
  }

  #hold(id: string, n: number, token: number, refreshedAt: number): HeldLease {
    const lease = new HeldLease(id, n, token, refreshedAt + this.leaseMs, (l) => {
      this.#holders.delete(l.id);
      return this.#run(leave, [l.id, String(l.n), l.tokenString]).then(() => {});
    });
    this.#holders.set(id, lease);
    this.#schedule();
    return lease;
  }

  #leave(id: string, n: number, token: string): Promise<unknown> {
    return this.#run(leave, [id, String(n), token]);
  }

  /** Arms the one timer: the next refresh, or sooner the earliest local lease deadline. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || (this.#waiters.size === 0 && this.#holders.size === 0)) return;
    const every = Math.min(this.leaseMs / 3, 1000) * (0.75 + Math.random() / 2);
    let next = every;
    const now = performance.now();
    for (const lease of this.#holders.values()) next = Math.min(next, lease.deadline - now);
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, next));
  }

  /**
   * Deadlines are checked here, not after a reply: a refresh that hangs (Redis unreachable) must not let a holder
   * believe it still holds what Redis may have dropped.
   */
  #onTimer(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const lease of this.#holders.values()) {
      if (lease.deadline <= now) this.#lose(lease, `not refreshed for ${this.leaseMs} ms`);
    }
    void this.#tick(true);
    this.#schedule();
  }

  /**
   * One script call refreshes every local waiter and holder (`all`, the timer's), or queues only the new waiters (an
   * acquire's: it need not carry everyone else's refresh), and learns the grants a message may have missed.
   */
  async #tick(all: boolean): Promise<void> {
    if (this.#closed) return;
    if (this.#ticking) {
      this.#again = true;
      this.#againAll ||= all;
      return;
    }
    this.#ticking = true;
    this.#again = false;
    this.#againAll = false;
    try {
      const now = performance.now();
      const waiters = [...this.#waiters].filter(([, w]) => all || !w.queued);
      const holders = all ? [...this.#holders.values()] : [];
      if (waiters.length + holders.length === 0) return;
      const args = [
        ...waiters.flatMap(([id, w]) => [id, String(w.n), '']),
        ...holders.flatMap((l) => [l.id, String(l.n), l.tokenString]),
      ];
      let out: string[];
      try {
        out = ((await this.#run(tick, args)) as unknown[]).map(String);
      } catch {
        this.#stats.redisErrors++;
        return;
      }
      waiters.forEach(([id, w], i) => {
        if (this.#waiters.get(id) !== w) return; // granted by a message or aborted meanwhile
        w.refreshedAt = now;
        w.queued = true;
        const token = out[i]!;
        if (token === '0') return;
        this.#stats.grantsByPoll++;
        this.#grant(id, w, Number(token));
      });
      holders.forEach((lease, i) => {
        if (lease.released || lease.signal.aborted) return;
        if (out[waiters.length + i] === '1') lease.deadline = Math.max(lease.deadline, now + this.leaseMs);
        else
          this.#lose(
            lease,
            'Redis no longer records it (it lapsed while this process was paused, or Redis lost its data)',
          );
      });
    } finally {
      this.#ticking = false;
      if (this.#again) void this.#tick(this.#againAll);
      else this.#schedule();
    }
  }

  #lose(lease: HeldLease, why: string): void {
    this.#holders.delete(lease.id);
    if (lease.signal.aborted) return;
    this.#stats.lost++;
    lease.lose(new LeaseLostError(why));
  }
}
