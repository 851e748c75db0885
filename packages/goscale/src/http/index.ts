/**
 * @module HTTP for plain `node:http` (and so Express, Fastify, …): request signals, an SSE broker whose sends never
 * block, and graceful shutdown.
 */
export * from './shutdown/request-signal.js';
export * from './sse/broker.js';
export {
  BusGapError,
  type BrokerBus,
  type BusEntry,
  type BusMessage,
  type BusSubscription,
} from './sse/bus.js';
export { MemoryBus, type MemoryBusOptions } from './sse/memory-bus.js';
export * from './shutdown/shutdown.js';
