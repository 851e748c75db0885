/**
 * @module Channels and select: Go's `chan T`, `select` and `select` with `default`.
 */
export { Channel, type RecvResult } from './channel.js';
export { ChannelClosedError } from './errors.js';
export {
  select,
  trySelect,
  recvOn,
  sendOn,
  type RecvCase,
  type SendCase,
  type SelectCase,
  type CaseResult,
  type SelectResult,
} from './select.js';
