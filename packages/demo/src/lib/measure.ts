/**
 * @module `measureStrategy`: the one way a section runs a strategy — reset the service's counters, record every task,
 * read the counters back.
 */
import type { RunOptions } from '../sections/types.js';
import { Recorder, type Timeline } from './timeline.js';

/** A service whose counters (peak in-flight, accepted, …) are reset before a strategy and read after it. */
export interface MeasuredService<S> {
  resetStats(): void;
  stats(): S;
}

/** What one strategy is, for {@link measureStrategy}. */
export interface StrategySpec<S> {
  /** The name shown in tables, timelines and the progress line. */
  name: string;
  /** The service under test; omitted, nothing is reset and `stats` is undefined. */
  service?: MeasuredService<S>;
  /** How many tasks the strategy runs, for the progress line (`name · done/total`). */
  total?: number;
}

/** What {@link measureStrategy} returns. */
export interface Measured<S, R> {
  timeline: Timeline;
  /** The service's counters right after the strategy finished. */
  stats: S;
  /** What `run` resolved to. */
  value: R;
}

/**
 * Runs one strategy: resets `spec.service`'s counters, runs `run` with a fresh {@link Recorder} (every task it wraps in
 * `rec.track` becomes a bar), then reads the counters. Strategies of a section run one after another, never at once,
 * so each sees the service to itself.
 * @param spec - the strategy's name, its service and its task count.
 * @param opts - the section's options (progress).
 * @param run - the strategy itself.
 * @returns the timeline, the service's counters and what `run` returned. If `run` rejects, the recorder is stopped
 * and the rejection passes through.
 * @example
 * ```ts
 * const { timeline, stats } = await measureStrategy({ name: 'unbounded', service: api, total: n }, opts, (rec) =>
 *   Promise.all(ids.map((id) => rec.track(() => deploy(id), (status) => status))),
 * );
 * ```
 */
export async function measureStrategy<S, R>(
  spec: StrategySpec<S>,
  opts: RunOptions,
  run: (rec: Recorder) => Promise<R>,
): Promise<Measured<S, R>> {
  const { name, service, total } = spec;
  service?.resetStats();
  const rec = new Recorder(
    name,
    (done) => opts.progress?.(total === undefined ? name : `${name} · ${done}/${total}`),
    opts.watcher,
  );
  let value: R;
  try {
    value = await run(rec);
  } catch (error) {
    rec.finish();
    throw error;
  }
  const timeline = rec.finish();
  return { timeline, stats: service?.stats() as S, value };
}
