/**
 * @module Adaptive concurrency limits: `adaptive()` finds the concurrency the other side serves best, for `map`,
 * `forEach`, `stream`, `limit` and `Group`; the algorithms (`gradient2`, `aimd`, `vegas`) are pure state machines.
 */
export { adaptive, AdaptiveLimit, type AdaptiveOptions } from './adaptive.js';
export { gradient2, type Gradient2Options } from './gradient2.js';
export { aimd, type AimdOptions } from './aimd.js';
export { vegas, type VegasOptions } from './vegas.js';
export { isOverloadError } from './overload.js';
export type {
  LimitAlgorithm,
  LimitAlgorithmFactory,
  LimitBounds,
  LimitChange,
  LimitDecision,
  LimitSample,
} from './types.js';
