/**
 * @module The code each pool thread runs: it loads the task module, takes tasks from the batches the pool sends, in
 * order and one at a time, and sends their results back in batches.
 *
 * The thread never blocks its own event loop while it waits: batches arrive as ordinary messages, and a task that
 * awaits timers or I/O runs as it would on the main thread. Shared memory is used only for cheap signals the pool must
 * see while the thread is busy: which task it took last (so an abort knows whether the task started), and a halt
 * flag, the one place where the thread blocks (in `Atomics.wait`), and only while the pool decides to end it.
 * @internal
 */
import { performance } from 'node:perf_hooks';
import { parentPort, receiveMessageOnPort, workerData, type TransferListItem } from 'node:worker_threads';
import { unwrapMoved } from '../move.js';
import { isError, serializeError } from './errors.js';
import { Code, Slot, type BatchMessage, type ControlMessage, type ThreadData } from './protocol.js';

/** Results wait at most this long for company before they are sent (one message per batch, not per task). */
const FLUSH_MS = 0.25;

const { moduleUrl, shared: sab, control } = workerData as ThreadData;
const shared = new Int32Array(sab);
const port = parentPort!;

type TaskFunction = (arg: unknown, context: TaskContext) => unknown;
let mod: Record<string, unknown> | undefined;
let loadError: unknown;
const fns = new Map<string, TaskFunction>();
const loaded = import(moduleUrl).then(
  (m: Record<string, unknown>) => void (mod = m),
  (error: unknown) => void (loadError = error),
);

/**
 * The second argument of every task function: `signal` aborts when the caller's signal does (piscina's task functions
 * take one argument and never see it). The AbortController is made only when a task reads `signal`: tiny tasks that do
 * not look at it skip its cost, which is larger than the task.
 */
class TaskContext {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    this.#controller?.abort(this.#reason);
  }
}

// The tasks sent and not taken yet, flat `[name, arg, …]` from `head`.
let queue: unknown[] = [];
let head = 0;
let draining = false;
/** The number of the last task taken (wrapping int32, as the pool counts them). */
let taken = 0;
/** Control messages handled, compared with the pool's count in `Slot.CONTROL`. */
let handled = 0;
/** Cancelled or taken-back tasks not taken yet, by number. */
const cancelled = new Set<number>();
/** The task taken and not finished, whose signal a cancel aborts. */
let currentIndex = 0;
let currentContext: TaskContext | undefined;

// Results not sent yet, flat `[code, value, …]`, with the transfer lists of moved results.
let pending: unknown[] = [];
let transfer: TransferListItem[] = [];
let movedAt: Map<number, TransferListItem[]> | undefined;
let busy = 0;
/** When the first task whose result is pending started. */
let firstAt = 0;

port.on('message', (message: BatchMessage) => {
  for (const item of message.tasks) queue.push(item);
  if (!draining) void drain();
});
control.on('message', onControl);
// process.exit() inside a task: the results already computed still reach the pool.
process.on('exit', () => flush());
void loaded.then(() => port.postMessage({ ready: true }));

function onControl(message: ControlMessage): void {
  handled++;
  // The pool takes back only tasks it knows this thread has not taken (see Thread.takeBack).
  if ('revoke' in message) for (const n of message.revoke) cancelled.add(n);
  else if (((message.cancel - taken) | 0) > 0) cancelled.add(message.cancel);
  else if (currentContext !== undefined && currentIndex === message.cancel)
    currentContext.abort(message.reason);
}

async function drain(): Promise<void> {
  draining = true;
  if (mod === undefined && loadError === undefined) await loaded;
  while (head < queue.length) {
    const name = queue[head] as string | undefined;
    const arg = queue[head + 1];
    queue[head] = queue[head + 1] = undefined;
    head += 2;
    // Async tasks let new batches arrive before the queue empties: drop the spent front now and then.
    if (head > 2048 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    const index = (taken + 1) | 0;
    // Publish the number before reading HALT (both sequentially consistent): either the pool sees that this task was
    // taken, or this thread sees the halt and waits without starting it. See Thread.#expire and Thread.takeBack.
    Atomics.store(shared, Slot.TAKEN, index);
    while (Atomics.load(shared, Slot.HALT) !== 0) Atomics.wait(shared, Slot.HALT, 1);
    // A cancel or take-back posted while this thread was busy has not been delivered as an event: read it now (after
    // the halt, under which the pool may have posted one for this very task), so that such a task never starts.
    if (Atomics.load(shared, Slot.CONTROL) !== handled) {
      for (let m = receiveMessageOnPort(control); m !== undefined; m = receiveMessageOnPort(control)) {
        onControl(m.message as ControlMessage);
      }
    }
    // Counted as taken only now: the control messages read above still treat this task as not taken yet.
    taken = index;
    if (cancelled.size !== 0 && cancelled.delete(index)) {
      if (pending.length === 0) firstAt = performance.now();
      push(Code.DROPPED, undefined, undefined);
      continue;
    }
    // The last task this thread holds may be a long one: results already done go out before it, not after.
    if (pending.length !== 0 && head >= queue.length) flush();
    const start = performance.now();
    if (pending.length === 0) firstAt = start;
    let code: number = Code.OK;
    let value: unknown;
    // From here a cancel aborts the task's signal (also while its export is first looked up, which may await).
    const context = new TaskContext();
    currentIndex = index;
    currentContext = context;
    try {
      const fn = fns.get(name ?? 'default') ?? (await resolve(name ?? 'default'));
      value = fn(arg, context);
      if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') {
        // Results finished before this one must not wait for it.
        flush();
        value = await value;
      }
    } catch (error) {
      code = isError(error) ? Code.ERROR : Code.THROWN;
      value = isError(error) ? serializeError(error, cloneable) : error;
    } finally {
      currentContext = undefined;
    }
    const end = performance.now();
    busy += end - start;
    const moved = code === Code.OK ? unwrapMoved(value) : undefined;
    if (moved !== undefined) push(code, moved.value, moved.transfer);
    else push(code, value, undefined);
    // Results go out once the batch has taken FLUSH_MS, so a long task's result never waits for the next task (which
    // this thread may already have in hand).
    if (end - firstAt >= FLUSH_MS) flush();
  }
  queue = [];
  head = 0;
  flush();
  draining = false;
}

async function resolve(key: string): Promise<TaskFunction> {
  if (loadError !== undefined) throw loadError;
  let fn = await mod![key];
  // A CommonJS file compiled from ESM: `module.exports = { default: fn }` arrives as `{ default: { default: fn } }`.
  if (typeof fn !== 'function' && key === 'default')
    fn = await (fn as Record<string, unknown> | undefined)?.default;
  if (typeof fn !== 'function') {
    throw new TypeError(`worker: ${moduleUrl} has no function export \`${key}\`, got ${typeof fn}`);
  }
  fns.set(key, fn as TaskFunction);
  return fn as TaskFunction;
}

function push(code: number, value: unknown, moved: TransferListItem[] | undefined): void {
  if (moved !== undefined && moved.length > 0) {
    (movedAt ??= new Map()).set(pending.length, moved);
    for (const t of moved) transfer.push(t);
  }
  pending.push(code, value);
}

function flush(): void {
  if (pending.length === 0) return;
  const results = pending;
  const list = transfer;
  const at = movedAt;
  const spent = busy;
  pending = [];
  transfer = [];
  movedAt = undefined;
  busy = 0;
  try {
    port.postMessage({ results, busy: spent }, list);
  } catch {
    // One result could not be cloned: send them one by one, so that only that task fails (with the DataCloneError).
    for (let i = 0; i < results.length; i += 2) {
      const one = [results[i], results[i + 1]];
      try {
        port.postMessage({ results: one, busy: i === 0 ? spent : 0 }, at?.get(i) ?? []);
      } catch (error) {
        const e = isError(error) ? error : new Error(String(error));
        port.postMessage({ results: [Code.ERROR, serializeError(e, cloneable)], busy: 0 });
      }
    }
  }
}

function cloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
