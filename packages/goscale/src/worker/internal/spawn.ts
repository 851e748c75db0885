/**
 * @module Starts one pool thread on the entry module that sits beside this file: `entry.js` in the published `dist`,
 * `entry.ts` when goscale runs from source (its own tests, `--conditions=source`).
 * @internal
 */
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';

const fromSource = import.meta.url.endsWith('.ts');
const entry = new URL(fromSource ? './entry.ts' : './entry.js', import.meta.url);

let bootstrap: string | undefined;

/** Starts a thread on the entry module with `workerData` (whose MessagePort goes in `transferList`). */
export function spawn(
  workerData: unknown,
  transferList: TransferListItem[],
  resourceLimits?: ResourceLimits,
): Worker {
  const options = { workerData, transferList: transferList as never, resourceLimits };
  if (!fromSource) return new Worker(entry, options);
  // On Node 20, tsx's module hooks do not reach worker threads (a `.ts` entry fails with ERR_UNKNOWN_FILE_EXTENSION
  // even with `--import tsx` in execArgv), so the thread registers them itself before it loads the entry. Only the
  // source build does this; dist has no dependency on tsx.
  bootstrap ??= (() => {
    // The ESM build of tsx's API (a require() would find the CommonJS one, which registers relative to itself).
    const api = import.meta.resolve('tsx/esm/api');
    return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  })();
  return new Worker(bootstrap, { ...options, eval: true });
}
