/**
 * @module Bounded worker pools: `map`, `forEach`, `stream` (sliding window, input order), `batch` (fixed batches,
 * for comparison) and the p-limit compatible `limit` / `limitFunction`.
 */
export { map, forEach, type MapOptions, type Mapper, type PoolInput } from './map.js';
export { stream, type StreamIterator, type StreamOptions } from './stream.js';
export { batch, type BatchOptions } from './batch.js';
export {
  limit,
  limitFunction,
  type LimitFunction,
  type LimitOptions,
  type LimitedFunction,
} from './limit.js';
