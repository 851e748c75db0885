/**
 * @module Test helpers for the pool tests: the shared gates and flush.
 * @internal
 */
export { flush, gate, isSettled, type Gate } from '../../testing/helpers.js';
