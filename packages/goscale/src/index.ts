/**
 * @module goscale: Go-grade concurrency for TypeScript on Node.js. Every capability is also its own subpath export
 * (`goscale/sync`, `goscale/chan`, …); this entry re-exports them all.
 */
export * from './context/index.js';
export * from './sync/index.js';
export * from './chan/index.js';
export * from './group/index.js';
export * from './pool/index.js';
export * from './adaptive/index.js';
export * from './rate/index.js';
export * from './http/index.js';
export * from './worker/index.js';
