/**
 * @module The shapes the adaptive limit and its algorithms share: a sample in, a decision out.
 */

/** One finished task, as the engine reports it to the algorithm. Times are milliseconds on the limit's clock. */
export interface LimitSample {
  /** When the task was admitted. */
  readonly start: number;
  /** How long it took, from admission to settling. */
  readonly rtt: number;
  /** Tasks in flight when it was admitted, itself included: the load its latency was measured under. */
  readonly inFlight: number;
  /** The task failed with an error that `isOverload` marks (a 429, a 503, a `TimeoutError`...). */
  readonly overload: boolean;
}

/** The bounds every algorithm keeps its estimate within, as `adaptive()` validated them. */
export interface LimitBounds {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

/** What an algorithm decided after a sample that changed its estimate. */
export interface LimitDecision {
  /** The new estimate, fractional, within the bounds; the limit in force is its integer part. */
  readonly estimate: number;
  /** What caused it, in a word: `'latency'`, `'overload'`, `'probe'`, `'growth'`, `'slow-start'`. */
  readonly cause: string;
  /** The signals behind it, for logs and charts (e.g. `{ rtt, baseline, gradient, queue, inFlight }`). */
  readonly signals: Readonly<Record<string, number>>;
}

/**
 * A limit algorithm: a deterministic state machine over samples. It reads no clock, draws no random numbers and
 * does no I/O, so the same samples always give the same decisions (tests drive it with made-up samples).
 */
export interface LimitAlgorithm {
  /** Its name, as shown in a {@link LimitChange}. */
  readonly name: string;
  /** The estimate now (fractional). */
  readonly estimate: number;
  /**
   * Feeds one sample.
   * @returns the decision when the estimate changed, else `undefined` (the sample was only accumulated).
   */
  update(sample: LimitSample): LimitDecision | undefined;
}

/** Makes a fresh algorithm within `bounds`; what `adaptive({ algorithm })` accepts besides a name. */
export type LimitAlgorithmFactory = (bounds: LimitBounds) => LimitAlgorithm;

/** One change of the limit in force, as `onChange` receives it. */
export interface LimitChange {
  /** The limit now in force. */
  readonly limit: number;
  /** The limit before. */
  readonly previous: number;
  /** When, on the limit's clock (ms). */
  readonly at: number;
  /** The algorithm's name. */
  readonly algorithm: string;
  /** What caused it (see {@link LimitDecision.cause}). */
  readonly cause: string;
  /** The algorithm's fractional estimate. */
  readonly estimate: number;
  /** The signals behind it. */
  readonly signals: Readonly<Record<string, number>>;
}
