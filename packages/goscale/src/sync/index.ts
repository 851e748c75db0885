/**
 * @module Synchronization primitives with Go's semantics: WaitGroup, Mutex, RWMutex, Semaphore, Once, SingleFlight.
 */
export { Mutex } from './mutex.js';
export { Once } from './once.js';
export type { Release } from './release.js';
export { RWMutex } from './rwmutex.js';
export { Semaphore } from './semaphore.js';
export { SingleFlight } from './singleflight.js';
export { WaitGroup } from './waitgroup.js';
