/**
 * @module The reusable completion slot of a {@link PoolRun} driven by pump(): what an async mapper's promise settles
 * into.
 * @internal
 */
import type { PoolRun } from './run.js';

/**
 * One completion slot. Slots are reused, so a running async mapper costs one `then` and no closure of its own: the
 * bound handlers are made once per slot, and there are never more slots than mappers that ran at the same time.
 */
export class Slot<T, R> {
  index = 0;
  /** Admission time and load, for an adaptive limit's sample. */
  start = 0;
  inFlight = 0;
  constructor(readonly run: PoolRun<T, R>) {}
  readonly ok = (value: R): void => {
    const { run, index } = this;
    run.release(this);
    if (run.ended) return;
    if (run.adaptive !== undefined) run.sample(this, false, undefined);
    run.settle(index, value);
    run.pump();
  };
  readonly fail = (error: unknown): void => {
    const { run, index } = this;
    run.release(this);
    if (run.ended) return;
    if (run.adaptive !== undefined) run.sample(this, true, error);
    run.fault(index, error);
    run.pump();
  };
}
