/**
 * @module The options of `Group` and the shape of its tasks.
 */
import type { AdaptiveLimit } from '../adaptive/adaptive.js';

/** Options for `Group`. */
export interface GroupOptions {
  /** The parent signal: its abort cancels the group (see `Group` for what `wait()` then reports). */
  signal?: AbortSignal | undefined;
  /**
   * How many tasks may run at once: a safe integer from 1 up, `Infinity` (the default) for no limit, or an `adaptive()`
   * limit (read at each admission, fed each task's latency and outcome; claimed until `wait()` settles).
   */
  limit?: number | AdaptiveLimit | undefined;
}

/** A task run by a `Group`: it receives `group.signal` and should stop when it aborts. */
export type GroupTask = (signal: AbortSignal) => Promise<unknown>;
