/**
 * @module A reference model of the Limiter for property tests: the same FIFO token bucket, simulated in whole
 * milliseconds with integer arithmetic (so it has no float error and no laziness to get wrong).
 */

interface ModelClaim {
  id: number;
  n: number;
  /** The promised time of a reservation; undefined for a waiter. */
  at: number | undefined;
}

/**
 * The bucket in "units": one token is `k = 1000 / rate` units and one unit arrives per millisecond, so every time the
 * model computes is a whole millisecond. Only rates that divide 1000 are allowed.
 */
export class LimiterModel {
  t = 0;
  units: number;
  readonly k: number;
  readonly cap: number;
  queue: ModelClaim[] = [];
  /** id -> time granted, for waits and queued reservations. */
  readonly granted = new Map<number, number>();

  constructor(
    rate: number,
    readonly burst: number,
  ) {
    this.k = 1000 / rate;
    if (!Number.isInteger(this.k)) throw new RangeError(`model: 1000 / ${rate} is not a whole number of ms`);
    this.cap = burst * this.k;
    this.units = this.cap;
  }

  get tokens(): number {
    return this.units / this.k;
  }

  clone(): LimiterModel {
    const copy = new LimiterModel(1000 / this.k, this.burst);
    copy.t = this.t;
    copy.units = this.units;
    copy.queue = this.queue.map((c) => ({ ...c }));
    return copy;
  }

  /** The next time the head could be served (> t after `serve`), or Infinity when nothing is queued. */
  nextEvent(): number {
    const head = this.queue[0];
    if (head === undefined) return Infinity;
    if (head.at !== undefined) return head.at;
    return this.t + Math.max(0, head.n * this.k - this.units);
  }

  /** Serves the queue head while it is due now. */
  serve(): void {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const need = head.n * this.k;
      if (head.at !== undefined ? head.at > this.t : this.units < need) break;
      this.units -= need;
      this.granted.set(head.id, this.t);
      this.queue.shift();
    }
  }

  /** Moves time to `target`, serving every claim at the millisecond it becomes due. */
  advanceTo(target: number): void {
    for (;;) {
      this.serve();
      const next = Math.min(this.nextEvent(), target);
      this.units = Math.min(this.cap, this.units + (next - this.t));
      this.t = next;
      if (next === target) break;
    }
    this.serve();
  }

  /** Returns true (taking the tokens) when nothing is queued and `n` tokens are there. */
  take(n: number): boolean {
    if (n > this.burst || this.queue.length !== 0 || this.units < n * this.k) return false;
    this.units -= n * this.k;
    return true;
  }

  wait(id: number, n: number): void {
    if (this.take(n)) this.granted.set(id, this.t);
    else this.queue.push({ id, n, at: undefined });
  }

  /** The promised time of a reservation, or undefined when not ok. */
  reserve(id: number, n: number): number | undefined {
    if (n > this.burst) return undefined;
    if (this.take(n)) {
      this.granted.set(id, this.t);
      return this.t;
    }
    const sim = this.clone();
    sim.queue.push({ id, n, at: undefined });
    while (!sim.granted.has(id)) sim.advanceTo(sim.nextEvent());
    const at = sim.granted.get(id)!;
    this.queue.push({ id, n, at });
    return at;
  }

  /** Removes a queued claim; returns whether it was queued. */
  remove(id: number): boolean {
    const i = this.queue.findIndex((c) => c.id === id);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    // With it gone, the claims behind it may be due at once.
    this.serve();
    return true;
  }

  /** Reservation `cancel()`: unqueue it, or give the tokens back at the instant it was granted. */
  cancel(id: number, n: number, at: number): void {
    if (this.remove(id)) return;
    if (at !== this.t) return;
    this.units = Math.min(this.cap, this.units + n * this.k);
    this.serve();
  }
}
