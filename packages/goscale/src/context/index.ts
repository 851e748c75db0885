/**
 * @module Cancellation scopes on AbortSignal: Go's context, without the leaks of `AbortSignal.any`.
 */
export { withCancel, withTimeout, type Scope } from './scope.js';
export { sleep } from './sleep.js';
export type { SignalOptions } from '../internal/abort.js';
