/**
 * @module Rate limiting: a token-bucket `Limiter` (golang.org/x/time/rate).
 */
export { Limiter, type LimiterOptions, type Reservation } from './limiter.js';
