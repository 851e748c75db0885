/**
 * @module HTTP for plain `node:http` (and so Express, Fastify, …): request signals, an SSE broker whose sends never
 * block, and graceful shutdown.
 */
export * from './request-signal.js';
export * from './broker.js';
export type { BrokerBus, BusEntry, BusMessage, BusSubscription } from './broker-bus.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export * from './shutdown.js';
