/**
 * @module Worker threads for CPU-bound work: `WorkerPool` runs a module's function on every core, with `{ signal }`
 * that stops the work, and `move()` hands results back without a copy.
 */
export { WorkerPool } from './pool.js';
export type { RunOptions, WorkerPoolOptions } from './options.js';
export { move, type Moved } from './move.js';
