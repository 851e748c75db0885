/**
 * @module @goscale/redis: goscale's Limiter, Semaphore and the Broker's bus across replicas, on Redis (node-redis 6).
 */
export {
  RedisLimiter,
  type RedisErrorPolicy,
  type RedisLimiterOptions,
  type RedisLimiterStats,
  type RedisReservation,
} from './limiter/limiter.js';
export { RedisOfflineError } from './internal/script.js';
export type { RedisClient } from './internal/client.js';
export {
  LeaseLostError,
  RedisSemaphore,
  type Lease,
  type RedisSemaphoreOptions,
  type RedisSemaphoreStats,
} from './semaphore/semaphore.js';
export { redisBus, RedisBusGapError, type RedisBus, type RedisBusOptions } from './bus/bus.js';
