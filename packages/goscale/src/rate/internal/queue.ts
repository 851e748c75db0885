/**
 * @module The `Limiter`'s FIFO of claims over its bucket: serving them in time order, planning the tail, one timer.
 * @internal
 */
import { List } from '../../internal/list.js';
import { type LongTimer, setLongTimeout } from '../../internal/timer.js';
import type { RateBucket } from './bucket.js';
import { Claim } from './claim.js';

/**
 * The claims (waits and reservations) that have not taken their tokens yet, in call order, and the single timer that
 * serves them. Only the head is ever served, so grants are strictly FIFO.
 *
 * A reservation is a promise made from the plan of everything queued ahead of it, so that plan is committed when the
 * reservation is made, as Go's negative tokens commit every reservation's debit at once: the reservation takes its
 * tokens at its time whatever the rate or burst is by then, and each waiter ahead of it keeps the time it was planned
 * for as its latest (`Claim.latest`). A lower rate can then delay only the claims behind the last reservation, which
 * wait out the debt the committed ones leave, so no window holds more than burst + rate × window at the highest rate
 * and burst in play. (Re-planning a waiter ahead of a reservation at the lower rate would squeeze it against the
 * reservation's kept time.) Aborts, cancels and a higher rate can still move any waiter earlier.
 *
 * Cost: pushing, serving and unlinking are O(1); planning a reservation is O(1) amortised (each waiter is committed
 * once) while the tail plan is valid, and O(length) after a claim left early or the rate or burst changed.
 */
export class RateQueue {
  readonly #bucket: RateBucket;
  readonly #now: () => number;
  readonly #list = new List<Claim>();
  #waiters = 0;
  #timer: LongTimer | undefined = undefined;
  #timerAt = NaN;
  /** When the last queued claim will be served and the tokens left then; NaN when it must be recomputed. */
  #tailAt = NaN;
  #tailTokens = 0;
  /** The abort hook of every queued waiter. */
  readonly drop = (claim: Claim): void => {
    this.unlink(claim);
  };
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = NaN;
    this.sync(this.#now());
  };

  constructor(bucket: RateBucket, now: () => number) {
    this.#bucket = bucket;
    this.#now = now;
  }

  /** Claims queued, waits and reservations. */
  get length(): number {
    return this.#list.length;
  }

  /** Waits queued. */
  get waiters(): number {
    return this.#waiters;
  }

  /** Queues a waiter (its promise settlers already set) and arms the timer. */
  pushWaiter(claim: Claim): void {
    claim.planned = this.plan(claim.n);
    this.#list.push(claim);
    this.#waiters++;
    this.#arm();
  }

  /**
   * Queues a reservation whose time `claim.at` came from `plan`, committing the plan of the waiters ahead of it (each
   * keeps its planned time as its latest). Holds no timer unless a waiter is queued too.
   */
  pushReservation(claim: Claim): void {
    // Only the waiters since the previous reservation are uncommitted; the walk stops at the first committed claim.
    for (let c = this.#list.tail; c !== undefined && c.latest === Infinity; c = c.prev as Claim | undefined) {
      c.latest = c.planned;
    }
    claim.latest = claim.at;
    this.#list.push(claim);
    this.#arm();
  }

  /**
   * When a claim of `n` appended now would be served (limiter clock), advancing the tail plan past it. `Infinity`
   * when never (rate 0). Every claim ahead is served exactly as planned unless the rate, the burst or the queue
   * changes, which is when the plan is recomputed. The bucket must be up to date (`sync` or `take` just ran).
   */
  plan(n: number): number {
    const bucket = this.#bucket;
    if (this.#list.length === 0) {
      this.#tailAt = bucket.last;
      this.#tailTokens = bucket.tokens;
    } else if (this.#tailAt !== this.#tailAt) {
      this.#replanTail();
    }
    const at = this.#tailAt + bucket.msUntil(n, this.#tailTokens);
    this.#tailTokens = bucket.after(Math.max(this.#tailTokens, n), n);
    this.#tailAt = at;
    return at;
  }

  /** Forgets the tail plan: the bucket or the queue changed other than by serving claims as planned. */
  replan(): void {
    this.#tailAt = NaN;
  }

  /** Removes a claim that has not taken its tokens (abort, cancel): the ones behind it move up. */
  unlink(claim: Claim): void {
    const wasHead = this.#list.head === claim;
    if (!this.#list.remove(claim)) return;
    if (claim.isWaiter) this.#waiters--;
    this.#tailAt = NaN;
    // Only the head can be holding the others back; with it gone, the next ones may go at once.
    if (wasHead) this.sync(this.#now());
    else this.#arm();
  }

  /** Serves every waiter at once and drops every reservation (the rate became Infinity). */
  flush(): void {
    for (let claim = this.#list.shift(); claim !== undefined; claim = this.#list.shift()) {
      if (claim.signal?.aborted) claim.abandon();
      else if (claim.isWaiter) claim.settle(undefined);
    }
    this.#waiters = 0;
    this.#tailAt = NaN;
    this.#arm();
  }

  /** Rejects, with `reason(claim)`, every waiter that wants more than `burst` tokens: none could ever be served. */
  rejectAbove(burst: number, reason: (claim: Claim) => unknown): void {
    for (let claim = this.#list.head; claim !== undefined;) {
      const next = claim.next as Claim | undefined;
      if (claim.isWaiter && claim.n > burst) {
        this.#list.remove(claim);
        this.#waiters--;
        claim.fail(reason(claim));
      }
      claim = next;
    }
    this.#tailAt = NaN;
  }

  /**
   * Serves, in order, every claim due by `now`, each at the instant it became due (so a late timer grants late but
   * never loses tokens), brings the bucket to `now`, then arms the timer for the next claim.
   */
  sync(now: number): void {
    const bucket = this.#bucket;
    const list = this.#list;
    for (let head = list.head; head !== undefined; head = list.head) {
      // Aborted, its listener not run yet (we are inside another 'abort' listener of the same signal, whose wait just
      // left the head): serving it would take tokens for a caller already told to stop.
      if (head.signal?.aborted) {
        this.#abandon(head);
        continue;
      }
      const due = this.#dueOf(head);
      if (!(due <= now)) break;
      bucket.advance(due);
      list.remove(head);
      // Into debt when a committed claim's time came before its tokens (the rate or burst was lowered since).
      bucket.debit(head.n);
      if (head.isWaiter) {
        this.#waiters--;
        head.settle(undefined);
      }
    }
    bucket.advance(now);
    this.#arm();
  }

  /** Rejects a queued waiter whose signal has aborted, with its reason, as its own listener would have. */
  #abandon(claim: Claim): void {
    this.#list.remove(claim);
    this.#waiters--;
    this.#tailAt = NaN;
    claim.abandon();
  }

  /**
   * When `claim`, at the head, will be served: a reservation at its time; a waiter when the bucket holds its tokens,
   * or at its latest if that comes first.
   */
  #dueOf(claim: Claim): number {
    if (!claim.isWaiter) return claim.at;
    const bucket = this.#bucket;
    return Math.min(claim.latest, bucket.last + bucket.msUntil(claim.n, bucket.tokens));
  }

  /** Walks the queue to find when each claim, and so the last, will be served (exactly as `sync` will serve them). */
  #replanTail(): void {
    const bucket = this.#bucket;
    let at = bucket.last;
    let tokens = bucket.tokens;
    for (let claim = this.#list.head; claim !== undefined; claim = claim.next as Claim | undefined) {
      const ready = claim.isWaiter ? at + bucket.msUntil(claim.n, tokens) : claim.at;
      if (claim.isWaiter && ready <= claim.latest) {
        at = ready;
        tokens = Math.max(tokens, claim.n);
      } else {
        // A committed time: the tokens that have come in by then, short or not.
        const t = Math.max(at, claim.latest);
        tokens = bucket.refilled(tokens, t - at);
        at = t;
      }
      claim.planned = at;
      tokens = bucket.after(tokens, claim.n);
    }
    this.#tailAt = at;
    this.#tailTokens = tokens;
  }

  /** Keeps exactly one timer, due when the next claim is, while any waiter is queued; none otherwise. */
  #arm(): void {
    let due = Infinity;
    const head = this.#list.head;
    if (this.#waiters !== 0 && head !== undefined) due = this.#dueOf(head);
    if (due === this.#timerAt) return;
    this.#timer?.clear();
    this.#timer = undefined;
    this.#timerAt = due;
    if (due === Infinity) return;
    // A long timer: setTimeout turns anything above 2^31 - 1 ms (24.8 days) into 1 ms, which would spin. Waking early
    // (a clock running ahead of the timers) is harmless, as `sync` re-arms for what is left.
    this.#timer = setLongTimeout(this.#onTimer, Math.max(0, due - this.#now()));
  }
}
