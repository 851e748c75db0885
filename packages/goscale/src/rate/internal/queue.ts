/**
 * @module The `Limiter`'s FIFO of claims over its bucket: serving them in time order, planning the tail, one timer.
 * @internal
 */
import { List } from '../../internal/list.js';
import type { RateBucket } from './bucket.js';
import { Claim } from './claim.js';

/** The longest delay setTimeout honours. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The claims (waits and reservations) that have not taken their tokens yet, in call order, and the single timer that
 * serves them. Only the head can be served, except a reservation whose promised time has come (its holder acts then
 * whatever happens), which is possible only after the rate or burst was lowered.
 *
 * Cost: pushing, serving and unlinking are O(1); planning a reservation is O(1) while the tail plan is valid and
 * O(length) after a claim left early or the rate or burst changed.
 */
export class RateQueue {
  readonly #bucket: RateBucket;
  readonly #now: () => number;
  readonly #list = new List<Claim>();
  /** Reservations still queued, in promised-time order, so an overdue one is found in O(1). Lazily pruned. */
  #promised: Claim[] = [];
  #promisedHead = 0;
  #waiters = 0;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
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
    this.plan(claim.n);
    this.#list.push(claim);
    this.#waiters++;
    this.#arm();
  }

  /** Queues a reservation whose time `claim.at` came from `plan`. Holds no timer unless a waiter is queued too. */
  pushReservation(claim: Claim): void {
    this.#list.push(claim);
    this.#promised.push(claim);
    // A waiter queued behind this reservation must wake at its time, so the timer may have to move.
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
      if (claim.isWaiter) claim.settle();
    }
    this.#waiters = 0;
    this.#promised = [];
    this.#promisedHead = 0;
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
   * Serves, in time order, every claim due by `now`, each at the instant it became due (so a late timer grants late
   * but never loses tokens), brings the bucket to `now`, then arms the timer for the next claim.
   */
  sync(now: number): void {
    const bucket = this.#bucket;
    const list = this.#list;
    for (let head = list.head; head !== undefined; head = list.head) {
      let claim = head;
      let due = this.#dueOf(head);
      const first = this.#firstPromised();
      // A reservation is honoured at its time even when a waiter ahead of it was slowed by a lower rate since.
      if (first !== undefined && first !== head && first.at < due) {
        claim = first;
        due = first.at;
      }
      if (!(due <= now)) break;
      bucket.advance(due);
      list.remove(claim);
      bucket.debit(claim.n);
      if (claim.isWaiter) {
        this.#waiters--;
        claim.settle();
      }
    }
    bucket.advance(now);
    this.#arm();
  }

  /** When `claim`, at the head, will be served: a waiter when the bucket holds its tokens, a reservation at its time. */
  #dueOf(claim: Claim): number {
    if (!claim.isWaiter) return claim.at;
    const bucket = this.#bucket;
    return bucket.last + bucket.msUntil(claim.n, bucket.tokens);
  }

  /** Walks the queue to find when its last claim will be served. */
  #replanTail(): void {
    const bucket = this.#bucket;
    let at = bucket.last;
    let tokens = bucket.tokens;
    for (let claim = this.#list.head; claim !== undefined; claim = claim.next as Claim | undefined) {
      if (claim.isWaiter) {
        at += bucket.msUntil(claim.n, tokens);
        tokens = Math.max(tokens, claim.n);
      } else if (claim.at > at) {
        tokens = bucket.refilled(tokens, claim.at - at);
        at = claim.at;
      }
      // A reservation overdue in this plan (the rate was lowered) still takes its tokens: counting them here, later
      // than it will, only makes the plan err late, never early.
      tokens = bucket.after(tokens, claim.n);
    }
    this.#tailAt = at;
    this.#tailTokens = tokens;
  }

  /** The earliest queued reservation (the only kind that can be due before the head), pruning finished ones. */
  #firstPromised(): Claim | undefined {
    const promised = this.#promised;
    while (this.#promisedHead < promised.length && !promised[this.#promisedHead]!.linked)
      this.#promisedHead++;
    if (this.#promisedHead === promised.length) {
      if (promised.length !== 0) this.#promised = [];
      this.#promisedHead = 0;
      return undefined;
    }
    // Drop the finished prefix now and then, so a long run of reservations does not keep them all alive.
    if (this.#promisedHead > 1024 && this.#promisedHead * 2 > promised.length) {
      this.#promised = promised.slice(this.#promisedHead);
      this.#promisedHead = 0;
    }
    return this.#promised[this.#promisedHead];
  }

  /** Keeps exactly one timer, due when the next claim is, while any waiter is queued; none otherwise. */
  #arm(): void {
    let due = Infinity;
    const head = this.#list.head;
    if (this.#waiters !== 0 && head !== undefined) {
      due = this.#dueOf(head);
      const first = this.#firstPromised();
      if (first !== undefined && first.at < due) due = first.at;
    }
    if (due === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = due;
    if (due === Infinity) return;
    // setTimeout turns anything above 2^31 - 1 ms (24.8 days) into 1 ms, which would spin; waking early is harmless,
    // as the timer re-arms for what is left.
    this.#timer = setTimeout(this.#onTimer, Math.min(MAX_DELAY, Math.max(0, due - this.#now())));
  }
}
