/**
 * @module Test driver: a server model whose replies are real promises settled in virtual time, so the real engines
 * (map, limit, Group) can be run against it. The clock advances only when every microtask has run.
 * @internal
 */
import type { Server } from './model.js';
import { flush } from '../../testing/helpers.js';

interface Pending {
  at: number;
  seq: number;
  settle: () => void;
}

/** A virtual clock plus `server` behind a promise API. */
export class VirtualServer {
  now = 0;
  private readonly _pending: Pending[] = [];
  private readonly _busy: number[] = [];
  private _seq = 0;

  constructor(private readonly _server: Server) {}

  /** One request: resolves (or rejects with a 503 error, on overload) at its completion time. */
  request(): Promise<void> {
    const now = this.now;
    for (let i = this._busy.length - 1; i >= 0; i--) if (this._busy[i]! <= now) this._busy.splice(i, 1);
    const reply = this._server(this._busy.length + 1, now);
    const at = now + reply.ms;
    if (reply.overload !== true) this._busy.push(at);
    return new Promise<void>((resolve, reject) => {
      const settle =
        reply.overload === true
          ? () => reject(Object.assign(new Error('overloaded'), { status: 503 }))
          : resolve;
      const entry = { at, seq: this._seq++, settle };
      let i = this._pending.length;
      while (i > 0 && this._pending[i - 1]!.at > at) i--;
      this._pending.splice(i, 0, entry);
    });
  }

  /** Settles requests in time order, one per macrotask turn, until `done` settles; returns its outcome. */
  async drive<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    done.then(
      () => (finished = true),
      () => (finished = true),
    );
    for (;;) {
      await flush();
      if (finished) return done;
      const next = this._pending.shift();
      if (next === undefined) throw new Error('VirtualServer: nothing pending, yet the run has not settled');
      this.now = next.at;
      next.settle();
    }
  }
}
