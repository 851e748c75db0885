/**
 * @module Structured fan-out and fan-in: `Group` (Go's errgroup), `fanOut` (N sources, one deadline, partial
 * results) and `merge` (fan-in of async iterables).
 */
export { Group, type GroupOptions, type GroupTask } from './group.js';
export {
  fanOut,
  type FanOutOptions,
  type FanOutResult,
  type FanOutResults,
  type FanOutSource,
} from './fanout.js';
export { merge, type MergedValue } from './merge.js';
