/**
 * @module The options of `WorkerPool` and `WorkerPool.run`, and their checks: a bad value throws a
 * TypeError or RangeError that quotes it.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { checkSignal, type SignalOptions } from '../internal/abort.js';
import { checkInteger, describe } from '../internal/args.js';

/** Options of `WorkerPool`. */
export interface WorkerPoolOptions {
  /** How many threads: an integer from 1 up. Default `os.availableParallelism()`. */
  threads?: number | undefined;
  /** How many tasks may wait for a thread; `run()` beyond it rejects at once. Default `Infinity`. */
  maxQueue?: number | undefined;
  /** A thread with nothing to do for this long ends (and is started again when work comes). Default `Infinity`. */
  idleMs?: number | undefined;
  /** Heap limits for each thread (`worker_threads` `resourceLimits`): a thread over them crashes and is replaced. */
  resourceLimits?: ResourceLimits | undefined;
  /**
   * How long a running task that was aborted may take to stop by itself before its thread is ended and replaced.
   * Default 100 ms; `Infinity` never ends a thread for an abort.
   */
  abortGraceMs?: number | undefined;
}

/** Options of `WorkerPool.run`. */
export interface RunOptions extends SignalOptions {
  /** Objects to transfer to the thread with `arg` instead of copying them (they are detached here). */
  transfer?: readonly TransferListItem[] | undefined;
  /** The export of the task module to call. Default `'default'`. */
  name?: string | undefined;
}

/** {@link WorkerPoolOptions} checked, with defaults filled in, and the module as a URL string. */
export function readPoolOptions(moduleUrl: string | URL, options: WorkerPoolOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`WorkerPool: expected \`options\` to be an object, got ${describe(options)}`);
  }
  const url = toUrl(moduleUrl);
  const {
    threads = os.availableParallelism(),
    maxQueue = Infinity,
    idleMs = Infinity,
    abortGraceMs = 100,
    resourceLimits,
  } = options;
  checkInteger('WorkerPool', 'threads', threads, 1);
  checkInteger('WorkerPool', 'maxQueue', maxQueue, 0, true);
  checkInteger('WorkerPool', 'idleMs', idleMs, 0, true);
  checkInteger('WorkerPool', 'abortGraceMs', abortGraceMs, 0, true);
  if (resourceLimits !== undefined && (typeof resourceLimits !== 'object' || resourceLimits === null)) {
    throw new TypeError(
      `WorkerPool: expected \`resourceLimits\` to be an object, got ${describe(resourceLimits)}`,
    );
  }
  return { url, threads, maxQueue, idleMs, abortGraceMs, resourceLimits };
}

/** Throws for a bad {@link RunOptions} value. */
export function checkRunOptions(options: RunOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`WorkerPool.run: expected \`options\` to be an object, got ${describe(options)}`);
  }
  checkSignal('WorkerPool.run', options.signal);
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(`WorkerPool.run: expected \`name\` to be a string, got ${describe(options.name)}`);
  }
  if (options.transfer !== undefined && !Array.isArray(options.transfer)) {
    throw new TypeError(
      `WorkerPool.run: expected \`transfer\` to be an array, got ${describe(options.transfer)}`,
    );
  }
}

function toUrl(moduleUrl: string | URL): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== 'string' || moduleUrl === '') {
    throw new TypeError(
      `WorkerPool: expected \`moduleUrl\` to be a URL or a path, got ${describe(moduleUrl)}`,
    );
  }
  if (/^(file|data):/.test(moduleUrl)) return moduleUrl;
  if (moduleUrl.startsWith('/') || /^[A-Za-z]:[\\/]/.test(moduleUrl)) return pathToFileURL(moduleUrl).href;
  throw new TypeError(
    `WorkerPool: expected \`moduleUrl\` to be a file: URL or an absolute path, got ${describe(moduleUrl)}`,
  );
}
