/**
 * @module Argument checks for `gracefulShutdown`: programming mistakes throw at once, quoting the bad value.
 * @internal
 */
import type { Server } from 'node:http';
import { constants } from 'node:os';
import { checkInteger, describe } from '../../internal/args.js';

/** Throws a TypeError unless `server` looks like an `http.Server` (or `https.Server`). */
export function checkServer(server: unknown): asserts server is Server {
  const s = server as Partial<Server> | null | undefined;
  if (
    typeof s?.close !== 'function' ||
    typeof s.on !== 'function' ||
    typeof s.closeAllConnections !== 'function'
  ) {
    throw new TypeError(
      `gracefulShutdown: expected \`server\` to be an http.Server, got ${describe(server)}`,
    );
  }
}

/** Throws a TypeError or RangeError quoting the first bad option. */
export function checkOptions(
  signals: unknown,
  timeoutMs: unknown,
  readinessDelayMs: unknown,
  exit: unknown,
): void {
  checkSignals(signals);
  checkInteger('gracefulShutdown', 'timeoutMs', timeoutMs, 0, true);
  checkInteger('gracefulShutdown', 'readinessDelayMs', readinessDelayMs, 0);
  if (typeof exit !== 'boolean') {
    throw new TypeError(`gracefulShutdown: expected \`exit\` to be a boolean, got ${describe(exit)}`);
  }
}

function checkSignals(signals: unknown): void {
  if (!Array.isArray(signals)) {
    throw new TypeError(
      `gracefulShutdown: expected \`signals\` to be an array of signal names, got ${describe(signals)}`,
    );
  }
  for (const name of signals) {
    if (typeof name !== 'string' || !Object.hasOwn(constants.signals, name)) {
      throw new TypeError(
        `gracefulShutdown: expected \`signals\` to hold signal names like 'SIGTERM', got ${describe(name)}`,
      );
    }
  }
}
