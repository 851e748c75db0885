/**
 * @module The demo database's capacity model (services/database.ts) in virtual time, for the adaptive bench: the same
 * seeded service times (`keyedLognormal`) and the same `slowdown`, with replies settled by a virtual clock, so that
 * 10,000-query runs take a fraction of a second, do not depend on the machine's load, and repeat exactly.
 */
import { keyedLognormal } from '../src/lib/prng.js';
import { slowdown } from '../src/services/database.js';

/** A query cut off by the statement timeout: the 503 the real database answers. */
export class StatementTimeout extends Error {
  readonly status = 503;
  constructor(ms: number) {
    super(`statement timeout after ${ms} ms`);
  }
}

/** The model's parameters, as `startDatabase` takes them; `knee` may change with (virtual) time. */
export interface VirtualDatabaseOptions {
  seed: number;
  medianMs: number;
  knee: number | ((nowMs: number) => number);
  alpha?: number;
  statementTimeoutMs: number;
}

/**
 * The database in virtual time. `query(id)` is what `POST /query/<id>` does: its service time is the seeded base time
 * times `slowdown(n, knee, alpha)` with `n` the queries within their service time at arrival, itself included; past
 * the statement timeout it rejects with a {@link StatementTimeout} at the timeout. `run(promise)` advances the clock
 * from one completion to the next, each time the microtask queue has drained, until `promise` settles.
 */
export class VirtualDatabase {
  now = 0;
  timedOut = 0;
  /** Completion times of the queries in service, by the model's clock. */
  private _busy: number[] = [];
  /** Replies not yet delivered, as a binary min-heap on (time, sequence). */
  private readonly _heap: { at: number; seq: number; deliver: () => void }[] = [];
  private _seq = 0;

  constructor(private readonly _options: VirtualDatabaseOptions) {}

  query(id: number): Promise<void> {
    const { seed, medianMs, knee, alpha = 1.5, statementTimeoutMs } = this._options;
    const now = this.now;
    this._busy = this._busy.filter((end) => end > now);
    const k = typeof knee === 'function' ? knee(now) : knee;
    const ms = keyedLognormal(seed, `query-${id}`, medianMs, 0.3) * slowdown(this._busy.length + 1, k, alpha);
    const at = now + Math.min(ms, statementTimeoutMs);
    this._busy.push(at);
    return new Promise<void>((resolve, reject) => {
      const deliver =
        ms > statementTimeoutMs
          ? () => {
              this.timedOut++;
              reject(new StatementTimeout(statementTimeoutMs));
            }
          : resolve;
      this.#push({ at, seq: this._seq++, deliver });
    });
  }

  async run<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return done;
      const next = this.#pop();
      if (next === undefined)
        throw new Error('VirtualDatabase: no reply pending, yet the run has not settled');
      this.now = next.at;
      next.deliver();
    }
  }

  #push(entry: { at: number; seq: number; deliver: () => void }): void {
    const heap = this._heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): { at: number; deliver: () => void } | undefined {
    const heap = this._heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
    return top;
  }
}

function before(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
